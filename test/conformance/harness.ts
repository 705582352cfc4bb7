// The conformance suite's frame: what a backend hands in (a factory of fresh databases), how a
// backend opts out of a test (by its exact name, with a written reason), and small builders.
import { test, type TestFunction } from 'vitest';
import type { Batch, ScoreUpsert, SpanUpsert, TraceUpsert } from '../../src/model/batch.js';
import type { Store } from '../../src/store/store.js';

export interface ConformanceDatabase {
  /** A new, initialised Store on this database; call again for a second instance (another server). */
  open(): Promise<Store>;
  /** Removes the database (after every Store opened on it was closed). */
  dispose?(): Promise<void>;
}

export interface ConformanceBackend {
  name: string;
  /** An empty database of this backend, for one test. */
  database(): Promise<ConformanceDatabase>;
  /** Tests this backend does not run: exact test name → why. Every name must exist in the suite. */
  optOut?: Record<string, string>;
}

/** Per-test context: a fresh database, a Store on it, a project; everything is closed afterwards. */
export interface Ctx {
  store: Store;
  projectId: number;
  /** Another Store instance on the same database (as a second server would have). */
  openAnother(): Promise<Store>;
  write(...batches: Partial<Batch>[]): Promise<void>;
}

export const T0 = 1_700_000_000_000_000; // µs
export const sec = (n: number) => T0 + n * 1_000_000;

export function batch(b: Partial<Batch>): Batch {
  return { traces: b.traces ?? [], spans: b.spans ?? [], scores: b.scores ?? [] };
}
export const trace = (t: TraceUpsert): Partial<Batch> => ({ traces: [t] });
export const span = (s: SpanUpsert): Partial<Batch> => ({ spans: [s] });
export const score = (s: ScoreUpsert): Partial<Batch> => ({ scores: [s] });

export interface Suite {
  /** Declares a test that runs with a fresh Ctx unless the backend opted out of it by name. */
  it(name: string, fn: (ctx: Ctx) => Promise<void>): void;
  /** Names declared so far (to check opt-outs name real tests). */
  names: Set<string>;
}

export function makeSuite(backend: ConformanceBackend): Suite {
  const names = new Set<string>();
  return {
    names,
    it(name, fn) {
      if (names.has(name)) throw new Error(`duplicate conformance test name: ${name}`);
      names.add(name);
      const reason = backend.optOut?.[name];
      if (reason) {
        test.skip(`${name} (opted out: ${reason})`, () => {});
        return;
      }
      const body: TestFunction = async () => {
        const db = await backend.database();
        const opened: Store[] = [];
        const open = async () => {
          const s = await db.open();
          opened.push(s);
          return s;
        };
        try {
          const store = await open();
          const project = await store.ensureProject('conformance');
          const ctx: Ctx = {
            store,
            projectId: project.id,
            openAnother: open,
            write: async (...batches) => {
              for (const b of batches) await store.writeGroup([{ projectId: project.id, batch: batch(b), receivedAt: sec(1000) }]);
            },
          };
          await fn(ctx);
        } finally {
          for (const s of opened) await s.close();
          await db.dispose?.();
        }
      };
      test(name, body);
    },
  };
}

/** All permutations of a small array (arrival orders). */
export function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}
