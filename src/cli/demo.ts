export async function demo(_o: { traces: number; url: string; key?: string; dataDir: string; seed?: number }): Promise<number> {
  throw new Error('demo: not yet written');
}
