// Sessions, users, scores and the filter grammar over HTTP on SQLite (cases: analytics-http.cases.ts).
import { analyticsHttpTests } from './analytics-http.cases.js';

analyticsHttpTests({ name: 'sqlite', dbUrl: async () => undefined });
