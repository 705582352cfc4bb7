// What a 404 for a missing route says: where the request was probably meant to go. The usual
// slips are an OTLP exporter given the full path where it wanted the server's root (or the other
// way round: `POST /`, `/v1/trace`, `/v1/traces/v1/traces`), and a misspelt API path.
import { nearest } from '../query/suggest.js';

const OTLP = 'OTLP/HTTP traces go to POST /v1/traces: give an exporter the server\'s root as OTEL_EXPORTER_OTLP_ENDPOINT (http://HOST:4318), or the whole URL as OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (http://HOST:4318/v1/traces)';

/** The hint for a request no route took, or '' when there is none to give. */
export function routeHint(method: string, path: string, routes: ReadonlyArray<{ method: string; path: string }>): string {
  const p = path.replace(/\/+$/, '') || '/';
  if (method === 'POST') {
    if (p === '/' || /^\/(v1\/)?(trace|traces|span|spans|otlp)$/i.test(p) || (/\/v1\/traces$/.test(p) && p !== '/v1/traces' && !p.startsWith('/api/'))) return OTLP;
    if (/^\/v1\/(logs|metrics)$/.test(p)) return 'Loupe stores traces: send them to POST /v1/traces (OTLP logs and metrics are not taken)';
  }
  if (p === '/v1/traces' && method !== 'POST') return 'OTLP/HTTP export is POST /v1/traces; to read traces, GET /api/v1/traces';
  const same = routes.filter((r) => r.method === method && !r.path.includes(':')).map((r) => r.path);
  const near = nearest(p, same);
  if (near) return `did you mean ${method} ${near}?`;
  const other = routes.find((r) => r.path === p);
  if (other) return `${p} answers ${routes.filter((r) => r.path === p).map((r) => r.method).join(', ')}`;
  return '';
}
