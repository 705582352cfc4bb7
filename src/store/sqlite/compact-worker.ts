// Worker thread owning the compactor (compactor.ts) on its own connection: chunking, packing and
// the span metrics rollup run here, on the machine's other core, while the event loop
// acknowledges writes; and the WAL's checkpoints. Once kicked, it steps on its own until caught
// up, posting its progress (a few numbers) after each step.
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { serveThread } from './serve-thread.js';
import { Compactor, CompactorLoop, WriteTurn, type CompactionEvent } from './compactor.js';

const { file, synchronous, chunkPackChars, walRestartFrames, turn } = workerData as {
  file: string; synchronous: 'FULL' | 'NORMAL'; chunkPackChars?: number; walRestartFrames?: number; turn: SharedArrayBuffer;
};
const db = new Database(file, { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${synchronous}`);
db.pragma('busy_timeout = 10000');
db.pragma('cache_size = -32768');
db.pragma('temp_store = MEMORY');
// This thread checkpoints, after its steps (Compactor.checkpoint).
db.pragma('wal_autocheckpoint = 0');
const compactor = new Compactor(db, { chunkPackChars, walRestartFrames, turn: new WriteTurn(turn) });

/** This thread's CPU time (Linux: /proc/thread-self/stat, in clock ticks of 10 ms), null elsewhere. */
function threadCpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

const loop = new CompactorLoop(compactor, (e: CompactionEvent) => parentPort!.postMessage(e), threadCpuSeconds);

serveThread({
  kick: (seq: number) => loop.kick(seq),
  collectChunks: (budgetMs: number) => compactor.collectChunks(budgetMs),
  checkpoint: () => compactor.checkpoint(),
}, () => {
  loop.close();
  db.close();
});
