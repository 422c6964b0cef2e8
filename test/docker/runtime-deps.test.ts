/**
 * The production image's runtime stage, without Docker: what docker/Dockerfile puts in it, made
 * the same way in a temporary directory (the production build `npm run build` of apps/ and libs/,
 * then the sources removed and `npm ci --omit=dev` from package.json and package-lock.json), and run for real against the test
 * database and Redis: migrations, the API and a worker ingesting a text, a PDF and a DOCX, search,
 * a chat answer, /docs, /metrics and the web console at /. A runtime import of a devDependency (or of something only
 * test/ or bench/ compile) fails here, where the rest of the suite, which runs from the checkout's
 * full node_modules, cannot see it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse as parsePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { createTenant, type TestTenant } from '../support/api.js';
import { ApiProcess } from '../support/api-process.js';
import { upload, uniqueText, waitForStatus } from '../support/documents.js';
import { makeDocx } from '../support/docx-fixtures.js';
import { makePdf } from '../support/pdf-fixtures.js';
import { WorkerProcess } from '../support/worker.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let dir: string;
let api: ApiProcess | undefined;
let worker: WorkerProcess | undefined;
let tenant: TestTenant;
const env = { QUEUE_PREFIX: `rtdeps-${randomUUID().slice(0, 8)}`, WORKER_HEARTBEAT_FILE: '' };

function run(command: string, args: string[], cwd: string): void {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(r.status, 0, `${command} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ragdocs-runtime-'));
  env.WORKER_HEARTBEAT_FILE = join(dir, 'worker-heartbeat');
  // Node looks for modules in every node_modules up to /: none may be above the copy.
  for (let d = dirname(dir); d !== parsePath(d).root; d = dirname(d)) {
    assert.ok(!existsSync(join(d, 'node_modules')), `${d}/node_modules would be visible to the copy`);
  }
  // The build stage: the sources and every dependency (here: the checkout's), `npm run build`.
  for (const f of ['package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'tsconfig.build.json'])
    copyFileSync(join(ROOT, f), join(dir, f));
  for (const d of ['apps', 'libs']) cpSync(join(ROOT, d), join(dir, d), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  run('npm', ['run', 'build'], dir);
  // The runtime stage: dist/ and the production dependencies only.
  rmSync(join(dir, 'node_modules'));
  for (const d of ['apps', 'libs']) rmSync(join(dir, d), { recursive: true });
  run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], dir);
  run(process.execPath, [join(dir, 'dist/apps/migrate/main.js')], dir);
  api = await ApiProcess.start(env, join(dir, 'dist/apps/api/src/main.js'));
  worker = await WorkerProcess.start(env, join(dir, 'dist/apps/worker/src/main.js'));
  tenant = await createTenant(api, 'runtime');
});

after(async () => {
  await api?.stop();
  await worker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the copy has the production dependencies only, and the production build has no tests or benches', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  for (const name of Object.keys(pkg.dependencies)) assert.ok(existsSync(join(dir, 'node_modules', name)), `${name} is installed`);
  // The ones that only the build and the tests use: if they were here, this test would prove nothing.
  for (const name of ['typescript', '@nestjs/testing', 'eslint', 'autocannon']) {
    assert.ok(name in pkg.devDependencies, `${name} is a devDependency`);
    assert.ok(!existsSync(join(dir, 'node_modules', name)), `${name} is not installed with --omit=dev`);
  }
  assert.ok(!existsSync(join(dir, 'dist/test')) && !existsSync(join(dir, 'dist/bench')), 'tsconfig.build.json compiles apps and libs only');
});

test('the API and the worker run on them: ingestion of text, PDF and DOCX, search, a chat answer', async () => {
  assert.ok(api);
  const files: [string, Uint8Array | string][] = [
    ['notes.txt', uniqueText('lighthouse keeping')],
    ['manual.pdf', makePdf([`Lighthouse lamps are trimmed at dusk ${randomUUID()}.`])],
    ['guide.docx', makeDocx([`The lighthouse keeper logs the weather ${randomUUID()}.`])],
  ];
  for (const [name, bytes] of files) {
    const res = await upload(api, tenant.adminKey, bytes, name);
    assert.equal(res.status, 202, `${name}: ${res.text}`);
    const doc = await waitForStatus(api, tenant.adminKey, res.body.id, ['ready', 'failed']);
    assert.equal(doc.status, 'ready', `${name}: ${JSON.stringify(doc)}\n${worker?.log}`);
  }
  const search = await api.request('POST', '/api/v1/search', { token: tenant.adminKey, json: { query: 'lighthouse', mode: 'hybrid' } });
  assert.equal(search.status, 200, search.text);
  assert.ok(search.body.items.length > 0, 'search finds the documents');

  const conv = await api.request('POST', '/api/v1/conversations', { token: tenant.adminKey, json: { title: 'runtime' } });
  assert.equal(conv.status, 201, conv.text);
  const answer = await api.request('POST', `/api/v1/conversations/${conv.body.id}/messages`, {
    token: tenant.adminKey,
    json: { content: 'When are the lamps trimmed?' },
  });
  assert.equal(answer.status, 201, answer.text);
});

test('the admin pages load: /docs (swagger-ui-dist) and /metrics', async () => {
  assert.ok(api);
  const docs = await api.request('GET', '/docs', { token: api.adminKey });
  assert.equal(docs.status, 200, docs.text.slice(0, 300));
  const metrics = await api.request('GET', '/metrics', { token: api.adminKey });
  assert.equal(metrics.status, 200, metrics.text.slice(0, 300));
});

test('the web console is in the production build and served at / (its bundle needs no runtime dependency)', async () => {
  assert.ok(api);
  const index = await api.request('GET', '/');
  assert.equal(index.status, 200, index.text.slice(0, 300));
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.text)?.[1];
  assert.ok(script, index.text);
  const js = await api.request('GET', script);
  assert.equal(js.status, 200);
  assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
});
