// /openapi.json, generated from the route declarations and the model's zod schemas.
import { z } from 'zod';
import { ERROR_CODES } from '../errors.js';
import type { RouteSpec } from './route.js';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): unknown {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' });
}

export function buildOpenApi(routes: RouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${path.replace(/[{}]/g, '').split(/[/._-]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('')}`,
    };
    const params = [...(r.params ?? [])];
    for (const m of path.matchAll(/\{(\w+)\}/g)) {
      if (!params.some((p) => p.name === m[1] && p.in === 'path')) params.push({ name: m[1], in: 'path', description: m[1], required: true });
    }
    if (params.length) {
      op.parameters = params.map((p) => ({ name: p.name, in: p.in, description: p.description, required: p.in === 'path' ? true : !!p.required, schema: { type: p.type ?? 'string' } }));
    }
    if (r.body) {
      op.requestBody = {
        required: true,
        content: Object.fromEntries(Object.entries(r.body).map(([ct, s]) => [ct, { schema: s ? jsonSchema(s, 'input') : { type: 'string', format: 'binary' } }])),
      };
    }
    op.responses = Object.fromEntries(Object.entries(r.responses).map(([status, d]) => [status, {
      description: d.description,
      ...(d.schema ? { content: { [d.contentType ?? 'application/json']: { schema: jsonSchema(d.schema, 'output') } } } : {}),
    }]));
    if (r.scope) op.security = [{ apiKey: [] }, { bearer: [] }, { basic: [] }];
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Loupe',
      version,
      description: 'Self-hosted trace store for LLM applications and agents. Errors are `{"error":{"code","message","details?"}}`; codes: '
        + Object.entries(ERROR_CODES).map(([c, e]) => `\`${c}\` (${e.status}${e.retryable ? ', retryable' : ''})`).join(', ') + '.',
    },
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        bearer: { type: 'http', scheme: 'bearer' },
        basic: { type: 'http', scheme: 'basic', description: 'Any user name; the password is the API key (Langfuse clients send publicKey:secretKey).' },
      },
    },
    paths,
  };
}
