// Keyset pagination of GET /api/v1/traces: walking every page gives each trace exactly once in a
// stable (startTime, numericId) order, in both directions, with ties on startTime, and while
// new traces are written between pages.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, qs, startTestServer, type TestServer } from '../helpers/server.js';

let ts: TestServer;
const BASE = Date.UTC(2026, 2, 1);
let extra = 0;

interface Row { id: string; numericId: number; startTime: string }

async function ingest(traces: Array<Record<string, unknown>>): Promise<void> {
  const r = await call(ts.url, '/api/v1/ingest', { key: ts.key, body: { traces } });
  expect(r.status).toBe(200);
  expect(r.json.rejected).toEqual([]);
}

const trace = (id: string, startMs: number) => ({ id, name: id, startTime: startMs, endTime: startMs + 10, metadata: { batch: 'pg' } });

beforeAll(async () => {
  ts = await startTestServer('pages');
  // 45 traces, three per start time, sent in a shuffled order.
  const originals = Array.from({ length: 45 }, (_, i) => trace(`orig-${i}`, BASE + Math.floor(i / 3) * 1000));
  originals.sort((a, b) => (a.id.length * 7 + Number(a.id.slice(5)) * 13) % 17 - (b.id.length * 7 + Number(b.id.slice(5)) * 13) % 17);
  await ingest(originals);
  // Noise in another batch that the filter must leave out.
  await ingest([{ id: 'noise', startTime: BASE + 5000, metadata: { batch: 'other' } }]);
});
afterAll(async () => ts.close());

function key(r: Row): [number, number] {
  return [Date.parse(r.startTime), r.numericId];
}

async function walk(order: 'asc' | 'desc'): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const pairs: Array<[string, string | number]> = [['metadata.batch', 'pg'], ['limit', 7], ['order', order]];
    if (cursor) pairs.push(['cursor', cursor]);
    const r = await call(ts.url, `/api/v1/traces${qs(pairs)}`, { key: ts.key });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const page = r.json.data as Row[];
    expect(page.length).toBeLessThanOrEqual(7);
    rows.push(...page);
    cursor = r.json.nextCursor as string | null;
    if (cursor) expect(page.length).toBe(7);
    // Writes between pages: newer than everything, older than everything, and a tie with the
    // last row served.
    const last = page[page.length - 1];
    if (last) {
      extra++;
      await ingest([
        trace(`new-${extra}-late`, BASE + 1_000_000 + extra),
        trace(`new-${extra}-early`, BASE - 1_000_000 - extra),
        trace(`new-${extra}-tie`, Date.parse(last.startTime)),
      ]);
    }
    pages++;
    expect(pages).toBeLessThan(50);
  } while (cursor);
  return rows;
}

describe('keyset pagination', () => {
  test.each(['desc', 'asc'] as const)('order=%s: every trace once, in a stable order, while writes happen', async (order) => {
    const before = extra;
    const rows = await walk(order);
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 0; i < 45; i++) expect(ids, `orig-${i}`).toContain(`orig-${i}`);
    expect(ids).not.toContain('noise');
    for (let i = 1; i < rows.length; i++) {
      const [t0, k0] = key(rows[i - 1]);
      const [t1, k1] = key(rows[i]);
      const cmp = t0 !== t1 ? t0 - t1 : k0 - k1;
      expect(order === 'desc' ? cmp > 0 : cmp < 0, `${rows[i - 1].id} then ${rows[i].id}`).toBe(true);
    }
    // Traces written behind the cursor never show up; those ahead of it do.
    const behind = order === 'desc' ? '-late' : '-early';
    const writtenNow = (id: string) => /^new-\d+-/.test(id) && Number(id.split('-')[1]) > before;
    expect(ids.filter((id) => writtenNow(id) && id.endsWith(behind))).toEqual([]);
    // A tie with the last row served sorts after it by numericId: ahead of the cursor only in asc.
    const ties = ids.filter((id) => writtenNow(id) && id.endsWith('-tie'));
    if (order === 'desc') expect(ties).toEqual([]);
    else expect(ties.length).toBeGreaterThan(0);
    expect(ids.filter((id) => writtenNow(id)).length).toBeGreaterThan(0);
  });

  test('the first page is the newest, and limit caps it', async () => {
    const r = await call(ts.url, `/api/v1/traces${qs([['metadata.batch', 'pg'], ['limit', 1]])}`, { key: ts.key });
    expect(r.json.data).toHaveLength(1);
    expect(r.json.data[0].id).toMatch(/-late$/);
    expect(typeof r.json.nextCursor).toBe('string');
  });
});
