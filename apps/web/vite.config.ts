import { defineConfig } from 'vite';

// The web console (apps/web): built by `npm run build` into dist/web, which the API serves at `/`
// (apps/api/src/web-console.ts). Hashed file names under assets/ let the API cache them for a year.
const root = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root,
  base: '/',
  // Preact's automatic JSX runtime (no Babel preset needed: Vite's own transformer does it).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: `${root}../../dist/web`,
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
  },
});
