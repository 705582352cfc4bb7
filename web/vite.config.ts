// The dashboard's build: plain Vite (esbuild turns TSX into React's automatic runtime), output in
// web/dist, which the server serves at / (src/server/dashboard.ts). Nothing built is committed.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      onwarn(warning, warn) {
        // React libraries mark modules "use client" for server components; a browser bundle has none.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE' || warning.code === 'SOURCEMAP_ERROR') return;
        warn(warning);
      },
    },
  },
  server: {
    // `npx vite --config web/vite.config.ts` beside `npm start`: API calls go to the server.
    proxy: { '/api': 'http://127.0.0.1:4318' },
  },
});
