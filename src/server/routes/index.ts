// Every route module, in one list: a new surface (a compatibility API, analytics) is added here.
import type { AppDeps } from '../deps.js';
import type { RouteSpec } from '../route.js';
import { analyticsRoutes } from './analytics.js';
import { avidoRoutes } from './avido.js';
import { deleteRoutes } from './deletes.js';
import { evalgateRoutes } from './evalgate.js';
import { exportRoutes } from './export.js';
import { honeyhiveRoutes } from './honeyhive.js';
import { keyRoutes } from './keys.js';
import { langfuseRoutes } from './langfuse.js';
import { nativeRoutes } from './native.js';
import { otlpRoutes } from './otlp.js';
import { projectRoutes } from './project.js';
import { scoreRoutes } from './scores.js';
import { sessionUserRoutes } from './sessions-users.js';
import { whoamiRoutes } from './whoami.js';

export type RouteModule = (deps: AppDeps) => RouteSpec[];

// One module per line, so that branches adding surfaces merge without conflicts.
export const ROUTE_MODULES: RouteModule[] = [
  otlpRoutes,
  nativeRoutes,
  projectRoutes,
  scoreRoutes,
  sessionUserRoutes,
  analyticsRoutes,
  exportRoutes,
  avidoRoutes,
  evalgateRoutes,
  honeyhiveRoutes,
  langfuseRoutes,
  whoamiRoutes,
  keyRoutes,
  deleteRoutes,
];
