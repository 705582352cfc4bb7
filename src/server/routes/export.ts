// Export and import: GET /api/v1/export streams JSONL (one trace with its spans and scores a
// line) with the trace-list filters; POST /api/v1/import takes such lines back through the
// native ingest path, keeping exported costs as they are.
import { Readable } from 'node:stream';
import { z } from 'zod';
import { LoupeError } from '../../errors.js';
import { MAX_JSON_DEPTH, jsonTooDeep } from '../../json-depth.js';
import { ErrorBody } from '../../model/schemas.js';
import { microsFromMillis } from '../../model/time.js';
import { LIST_PARAMS, type RawQuery } from '../../query/filter.js';
import { exportLines, parseExportQuery } from '../../export/stream.js';
import { importLines } from '../../export/import.js';
import { requestBytes } from '../body.js';
import { logUnhandled } from '../error-handler.js';
import { routeOf } from '../http-errors.js';
import type { AppDeps } from '../deps.js';
import { route, type ParamDoc, type RouteSpec } from '../route.js';

export const JSONL = 'application/x-ndjson';

const exportParams: ParamDoc[] = LIST_PARAMS.filter((p) => p.name !== 'traceId' && p.name !== 'include').map((p): ParamDoc => {
  if (p.name === 'limit') return { name: 'limit', in: 'query', description: 'Most traces to export (default: all that match)', type: 'integer' };
  if (p.name === 'order') return { name: 'order', in: 'query', description: 'asc (oldest first, default) or desc' };
  if (p.name === 'cursor') return { name: 'cursor', in: 'query', description: 'Resume after this cursor (a trace list nextCursor with the same order)' };
  return { name: p.name, in: 'query', description: p.description, type: p.type };
});

const ImportResponse = z.object({ lines: z.number().int(), accepted: z.number().int(), rejected: z.array(z.object({ item: z.string(), message: z.string() })) });

export function exportRoutes(deps: AppDeps): RouteSpec[] {
  return [
    route({
      method: 'GET',
      path: '/api/v1/export',
      summary: 'Stream matching traces as JSONL: one {trace, spans, scores} a line (the native ingest shapes; see docs/export.md)',
      tag: 'export',
      scope: 'read',
      params: exportParams,
      responses: { 200: { description: 'JSON Lines, streamed', contentType: JSONL, schema: z.string() }, 400: { description: 'Bad filter', schema: ErrorBody } },
      async handler({ req, reply, principal }) {
        const q = parseExportQuery(req.query as RawQuery);
        // Readable.from pulls the generator only as the socket drains: one page in memory at a time.
        const stream = Readable.from(exportLines(deps.store, principal!.projectId, q), { objectMode: false });
        // Past the first line the status is sent: a failure can only cut the stream, and be logged.
        stream.on('error', (e) => logUnhandled(`${routeOf(req)} (while streaming)`, e));
        return reply.type(JSONL).header('cache-control', 'no-store').send(stream);
      },
    }),
    route({
      method: 'POST',
      path: '/api/v1/import',
      summary: 'Import JSONL produced by GET /api/v1/export (upserts; exported costs are kept, not recomputed)',
      tag: 'export',
      scope: 'ingest',
      body: { [JSONL]: null },
      responses: {
        200: { description: 'Stored durably; rejected lists lines or items that were not', schema: ImportResponse },
        400: { description: 'No line could be imported', schema: ErrorBody },
        503: { description: 'Write queue full; retry after Retry-After', schema: ErrorBody },
      },
      async handler({ req, principal }) {
        const receivedAt = microsFromMillis(Date.now());
        const bytes = await requestBytes(req, deps.bodyLimit);
        const deep = jsonTooDeep(bytes, MAX_JSON_DEPTH, { lines: true });
        if (deep >= 0) {
          const line = bytes.subarray(0, deep).toString('latin1').split('\n').length;
          throw new LoupeError('invalid_body', `line ${line} nests arrays and objects more than ${MAX_JSON_DEPTH} deep; nothing was imported`);
        }
        const text = bytes.toString('utf8');
        const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split('\n');
        const summary = await importLines(lines, async (result) => {
          await deps.pipeline.ingest(principal!.projectId, result, receivedAt, { computeCost: false, waitForRoom: true });
        }, { receivedAt });
        if (summary.items === 0 && summary.rejected.length > 0) {
          throw new LoupeError('invalid_body', `no line could be imported: ${summary.rejected[0].item}: ${summary.rejected[0].message}`, summary.rejected);
        }
        return { lines: summary.lines, accepted: summary.items, rejected: summary.rejected };
      },
    }),
  ];
}
