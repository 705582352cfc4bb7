// Every route module, in one list: a new surface (a compatibility API, analytics) is added here.
import type { AppDeps } from '../deps.js';
import type { RouteSpec } from '../route.js';
import { langfuseRoutes } from './langfuse.js';
import { nativeRoutes } from './native.js';
import { otlpRoutes } from './otlp.js';

export type RouteModule = (deps: AppDeps) => RouteSpec[];

export const ROUTE_MODULES: RouteModule[] = [otlpRoutes, nativeRoutes, langfuseRoutes];
