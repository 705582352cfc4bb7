// Sessions (conversations) and users: rollups kept at write time, listed by latest activity.
import { z } from 'zod';
import { LoupeError } from '../../errors.js';
import { ErrorBody } from '../../model/schemas.js';
import { Session, SessionDetail, User } from '../../model/rollups.js';
import { LIST_PARAMS, parsePage, parseSessionQuery, parseUserQuery, type RawQuery } from '../../query/filter.js';
import type { AppDeps } from '../deps.js';
import { route, type ParamDoc, type RouteSpec } from '../route.js';

const params = (names: string[], descriptions: Record<string, string> = {}): ParamDoc[] =>
  LIST_PARAMS.filter((p) => names.includes(p.name)).map((p) => ({ name: p.name, in: 'query', description: descriptions[p.name] ?? p.description, type: p.type }));

const PAGE = ['limit', 'cursor', 'order'];
const SessionPage = z.object({ data: z.array(Session), nextCursor: z.string().nullable() });
const UserPage = z.object({ data: z.array(User), nextCursor: z.string().nullable() });

export function sessionUserRoutes(deps: AppDeps): RouteSpec[] {
  return [
    route({
      method: 'GET', path: '/api/v1/sessions', summary: 'List sessions (conversations), latest activity first', tag: 'query', scope: 'read',
      params: params(['from', 'to', 'userId', 'filter', ...PAGE], {
        from: 'Sessions active at or after this time (lastTime >= from)',
        to: 'Sessions active before this time (firstTime < to)',
        userId: 'Sessions this user took part in',
        filter: 'Expression over session fields: id, traceCount, firstTime, lastTime, inputTokens, outputTokens, totalTokens, costUsd, errorCount, userId (docs/filters.md)',
      }),
      responses: { 200: { description: 'A page of sessions', schema: SessionPage }, 400: { description: 'Bad or inapplicable filter', schema: ErrorBody } },
      async handler({ req, principal }) {
        const { filter, page } = parseSessionQuery(req.query as RawQuery);
        return deps.store.listSessions(principal!.projectId, filter, page);
      },
    }),
    route({
      method: 'GET', path: '/api/v1/sessions/:id', summary: 'One session and its traces in time order (oldest first), with inputs and outputs', tag: 'query', scope: 'read',
      params: params(PAGE, { limit: 'Traces per page, 1-1000 (default 50)', order: 'asc (oldest first, default) or desc', cursor: 'nextCursor of the previous page of traces' }),
      responses: { 200: { description: 'The session', schema: SessionDetail }, 404: { description: 'No trace carries this session id', schema: ErrorBody } },
      async handler({ req, principal }) {
        const { id } = req.params as { id: string };
        const detail = await deps.store.getSession(principal!.projectId, id, parsePage(req.query as RawQuery, 'asc'));
        if (!detail) throw new LoupeError('not_found', `session ${id} not found`);
        return detail;
      },
    }),
    route({
      method: 'GET', path: '/api/v1/users', summary: 'List users, latest activity first, with their rollups and scores', tag: 'query', scope: 'read',
      params: params(['from', 'to', 'sessionId', 'filter', ...PAGE], {
        from: 'Users seen at or after this time (lastSeen >= from)',
        to: 'Users seen before this time (firstSeen < to)',
        sessionId: 'Users who took part in this session',
        filter: 'Expression over user fields: id, traceCount, sessionCount, firstSeen, lastSeen, inputTokens, outputTokens, totalTokens, costUsd, errorCount, scoreCount, sessionId (docs/filters.md)',
      }),
      responses: { 200: { description: 'A page of users', schema: UserPage }, 400: { description: 'Bad or inapplicable filter', schema: ErrorBody } },
      async handler({ req, principal }) {
        const { filter, page } = parseUserQuery(req.query as RawQuery);
        return deps.store.listUsers(principal!.projectId, filter, page);
      },
    }),
    route({
      method: 'GET', path: '/api/v1/users/:id', summary: 'One user: trace and session counts, first and last seen, tokens, cost, errors, scores', tag: 'query', scope: 'read',
      responses: { 200: { description: 'The user', schema: User }, 404: { description: 'No trace carries this user id', schema: ErrorBody } },
      async handler({ req, principal }) {
        const { id } = req.params as { id: string };
        if (Object.keys(req.query as object).length) throw new LoupeError('invalid_query', 'this endpoint takes no query parameters');
        const user = await deps.store.getUser(principal!.projectId, id);
        if (!user) throw new LoupeError('not_found', `user ${id} not found`);
        return user;
      },
    }),
  ];
}
