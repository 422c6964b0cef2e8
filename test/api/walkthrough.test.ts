/**
 * The README's walkthrough ("Using it") runs as written, twice in a row, against a
 * real API and worker: scripts/walkthrough.sh runs the README's block itself, with
 * curl and jq, as a reader would. The second run meets what the first one made.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { TestApi } from '../support/api.js';
import { useStack } from '../support/stack.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let api: TestApi;
const stack = useStack({ prefix: 'walkthrough', workers: 1 });
before(async () => ({ api } = await stack.ready));

/** Runs the script without blocking this process (the API under test runs in it). */
function walkthrough(adminKey = api.adminKey): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/walkthrough.sh'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, API: api.baseUrl, ADMIN_API_KEY: adminKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test('the README walkthrough runs as written, and again: every status checked, the second run finds what the first made', async () => {
  const runs = [await walkthrough(), await walkthrough()];
  for (const [i, run] of runs.entries()) {
    assert.equal(run.code, 0, `run ${i + 1} failed:\n${run.out}`);
    assert.match(run.out, /"email":"alice@acme\.test","role":"admin"/, 'the JWT works on /me');
    assert.match(run.out, /"status":"ready","progress":100/, 'the document was ingested');
    assert.match(run.out, /"filename":"sample\.md","section":"[^"]*Resetting the device"/, 'search finds the passage');
    assert.match(run.out, /^event: sources$[\s\S]*^event: token$[\s\S]*^event: done$/m, 'the answer streams to the end');
    assert.match(run.out, /"answer":"Here is what your documents say:[^"]*To reset the device/, 'the OpenAI-compatible route answers');
    assert.doesNotMatch(run.out, /answered \d{3} \(expected/);
  }
  assert.match(runs[0]!.out, /"filename":"sample\.md","status":"queued","duplicate":false/);
  assert.match(runs[1]!.out, /"filename":"sample\.md","status":"ready","duplicate":true/, 'the same bytes again: the existing document');
});

test('the walkthrough stops at the first unexpected status, saying which', async () => {
  const { code, out } = await walkthrough('not-the-admin-key-0123456789');
  assert.equal(code, 1);
  assert.match(out, /POST \/api\/v1\/admin\/tenants answered 401 \(expected 201 409\): \{"statusCode":401/);
});
