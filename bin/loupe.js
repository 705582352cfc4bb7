#!/usr/bin/env node
// Runs the CLI from the TypeScript sources, without a build: `npx loupe …` in the checkout, or
// `loupe …` anywhere after `npm link` (or `npm install -g <checkout>`), which link to this file.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
