// The background compactor's backlog, read from the server's unauthenticated GET /readyz:
// `compaction` is null (or absent, on a server without a compactor; on SQLite, also until the
// first write) or { backlogSpans: spans written but not yet compacted, behindSeconds: age of the
// oldest uncompacted write, cpuSeconds: CPU the compactor thread has used since start, null when
// the compactor runs without a thread of its own }.

export interface Compaction {
  backlogSpans: number;
  behindSeconds: number;
  cpuSeconds: number | null;
}

/** The server's compaction state, or null when it reports none (or /readyz fails). */
export async function readCompaction(url: string): Promise<Compaction | null> {
  try {
    const res = await fetch(`${url}/readyz`);
    const j = (await res.json()) as { compaction?: Partial<Compaction> | null };
    const c = j.compaction;
    if (!c || typeof c.backlogSpans !== 'number' || typeof c.behindSeconds !== 'number') return null;
    return { backlogSpans: c.backlogSpans, behindSeconds: c.behindSeconds, cpuSeconds: typeof c.cpuSeconds === 'number' ? c.cpuSeconds : null };
  } catch {
    return null;
  }
}

export interface BacklogWatch {
  /** The sample taken before the load (null: no compaction reported, e.g. nothing written yet). */
  first: Compaction | null;
  /** Whether any sample reported compaction. */
  reported: boolean;
  /** Max over the samples (null when no sample reported compaction). */
  maxBacklogSpans: number | null;
  maxBehindSeconds: number | null;
  samples: number;
  /** Every sample that reported compaction: [seconds since the watch began, backlogSpans, behindSeconds]. */
  series: Array<[number, number, number]>;
}

/** Samples /readyz now (before the load starts) and then every `intervalMs` until stop(), which takes one last sample. */
export async function watchBacklog(url: string, intervalMs = 1000): Promise<{ stop(): Promise<BacklogWatch> }> {
  const t0 = performance.now();
  const out: BacklogWatch = { first: await readCompaction(url), reported: false, maxBacklogSpans: null, maxBehindSeconds: null, samples: 0, series: [] };
  const take = (c: Compaction | null) => {
    out.samples++;
    if (!c) return;
    out.series.push([Math.round(performance.now() - t0) / 1000, c.backlogSpans, c.behindSeconds]);
    out.reported = true;
    out.maxBacklogSpans = Math.max(out.maxBacklogSpans ?? 0, c.backlogSpans);
    out.maxBehindSeconds = Math.max(out.maxBehindSeconds ?? 0, c.behindSeconds);
  };
  take(out.first);
  let running = true;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (running) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, intervalMs);
      });
      if (running) take(await readCompaction(url));
    }
  })();
  return {
    async stop() {
      running = false;
      wake?.();
      await loop;
      take(await readCompaction(url));
      return out;
    },
  };
}

export interface Drain {
  /** Seconds from the call until backlogSpans read 0; null when the server reports no compaction. */
  seconds: number | null;
  timedOut: boolean;
  /** The last sample read (the compactor's CPU through the drain). */
  last: Compaction | null;
}

/** After the load: polls until the backlog is 0, at most `maxSeconds`. */
export async function drainBacklog(url: string, maxSeconds = 120, intervalMs = 250): Promise<Drain> {
  const t0 = performance.now();
  for (;;) {
    const c = await readCompaction(url);
    const seconds = (performance.now() - t0) / 1000;
    if (!c) return { seconds: null, timedOut: false, last: null };
    if (c.backlogSpans === 0) return { seconds, timedOut: false, last: c };
    if (seconds >= maxSeconds) return { seconds, timedOut: true, last: c };
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * After the drain: waits while the database file shrinks (the compactor gives free pages back
 * once it has caught up: the JSON text it replaced), until two samples `intervalMs` apart agree,
 * at most `maxSeconds`. Bytes on disk are measured at rest, as a server left idle would hold them.
 */
export async function untilFileSettles(file: string, maxSeconds = 60, intervalMs = 500): Promise<void> {
  const { statSync } = await import('node:fs');
  const size = () => { try { return statSync(file).size; } catch { return 0; } };
  const t0 = performance.now();
  let last = size();
  let still = 0;
  while (still < 2 && performance.now() - t0 < maxSeconds * 1000) {
    await new Promise((r) => setTimeout(r, intervalMs));
    const now = size();
    still = now < last ? 0 : still + 1;
    last = now;
  }
}
