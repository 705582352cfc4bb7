// A route is declared once, with what its handler needs (scope) and what the API documents
// (summary, parameters, bodies, responses); the app registers it and /openapi.json describes it
// from the same declaration, so the two cannot drift apart.
import { ErrorBody } from '../model/schemas.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Scope } from '../model/enums.js';
import type { Principal } from './auth.js';

export interface ParamDoc {
  name: string;
  in: 'query' | 'path' | 'header';
  description: string;
  required?: boolean;
  type?: 'string' | 'integer' | 'number' | 'boolean';
}

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
}

export interface HandlerContext<P = Principal | undefined> {
  req: FastifyRequest;
  reply: FastifyReply;
  principal: P;
}

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify path syntax (`/api/v1/traces/:id`). */
  path: string;
  summary: string;
  tag: string;
  /**
   * Scope the API key needs; 'any' takes any valid key whatever its scopes (a key asking about
   * itself); undefined means the route is public.
   */
  scope?: Scope | 'any';
  params?: ParamDoc[];
  /** Body per content type; null documents a binary body. */
  body?: Record<string, z.ZodType | null>;
  responses: Record<number, ResponseDoc>;
  handler(ctx: HandlerContext): Promise<unknown>;
}

export function route(spec: RouteSpec): RouteSpec {
  return spec;
}

/** The 403 every admin-scope route documents. */
export const ADMIN_ONLY = { 403: { description: 'The key lacks the admin scope', schema: ErrorBody } } as const;
