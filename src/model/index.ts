// The model's public surface: enums, schemas (and their inferred types), batches and time.
export * from './enums.js';
export * from './schemas.js';
export * from './batch.js';
export * from './time.js';
export * from './messages.js';
export * from './rollups.js';
export * from './issues.js';
