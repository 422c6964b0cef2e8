#!/usr/bin/env node
// `ragdocs` (package.json "bin"): runs the compiled CLI from dist/ (`npm run build` writes it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(`ragdocs: needs Node 24 or newer (this is ${process.version}); in a checkout: source scripts/toolchain.sh`);
  process.exit(2);
}
const main = new URL('../dist/apps/cli/src/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error(`ragdocs: not built yet: run \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))}`);
  process.exit(2);
}
await import(main.href);
