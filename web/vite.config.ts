/**
 * Builds the dashboard into web/dist, served by Gatehouse under /dashboard/ (src/web/dashboard.ts).
 * Run as `vite build web` (the root is this folder).
 * JSX goes through Vite's own Oxc transform with Preact's automatic runtime: no Babel, no plugin.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/dashboard/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Every browser the dashboard supports has <link rel=modulepreload>: skip the polyfill.
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
  server: {
    // `npm run dev:web` beside `gatehouse serve` on :8080: the API calls go there.
    proxy: { '/@api': 'http://127.0.0.1:8080' },
  },
});
