/**
 * `ragdocs import` (issue 12, part 2) against the real stack: the API and a worker as child
 * processes, real PostgreSQL and Redis, the CLI run through the package's bin launcher with
 * stdout a pipe (plain mode). A ~200-file tree with copies, unsupported and broken files is
 * imported in three runs: one stopped by Ctrl-C (SIGINT), one killed (SIGKILL), one that
 * completes, sending only what the first two did not.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createTenant, type HttpResult, type TestTenant } from '../support/api.js';
import { ApiProcess } from '../support/api-process.js';
import { CliRun, RAGDOCS_BIN } from '../support/cli-process.js';
import { WorkerProcess } from '../support/worker.js';
import { writeTree, type TreeFacts } from './import-tree.js';

const env = { QUEUE_PREFIX: `cli-${randomUUID().slice(0, 8)}`, WORKER_CONCURRENCY: '4' };
const CONCURRENCY = 3;

let api: ApiProcess;
let worker: WorkerProcess;
let scratch: string;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'ragdocs-cli-'));
  api = await ApiProcess.start(env);
  worker = await WorkerProcess.start(env);
});
after(async () => {
  await worker?.stop();
  await api?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** The count in the summary row labelled `label` (cells are two or more spaces apart). */
function summaryCount(stdout: string, label: string): number {
  const summary = stdout.slice(stdout.lastIndexOf('\nSummary ('));
  const row = summary
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/))
    .find((cells) => cells[0] === label);
  assert.ok(row, `no summary row "${label}" in:\n${summary}`);
  return Number(row[1]);
}

const writeFile = (path: string, text: string) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
};

const importArgs = (t: TestTenant, dir: string, ...more: string[]) => [
  'import',
  dir,
  '--url',
  api.baseUrl,
  '--key',
  t.adminKey,
  '--poll-interval',
  '250',
  ...more,
];

describe('ragdocs import', { concurrency: true }, () => {
  test('a ~200-file tree, interrupted twice (SIGINT, then SIGKILL): the third run sends only what is missing, mirrors folders, skips, reports and fails as it should', async () => {
    const t = await createTenant(api, 'cli');
    const dir = join(scratch, 'manuals');
    const facts: TreeFacts = writeTree(dir, randomUUID());
    const cache = { XDG_CACHE_HOME: join(scratch, 'cache-main') }; // the state file's default place
    const args = importArgs(
      t,
      dir,
      '--folder',
      'Manuals',
      '--mirror-folders',
      '--exclude',
      '**/drafts/**',
      '--concurrency',
      String(CONCURRENCY),
    );
    const documents = facts.good + Object.keys(facts.broken).length;
    assert.ok(facts.total >= 190, `tree of ${facts.total} files`);

    // Run 1: Ctrl-C after 40 uploads. The uploads in flight finish, the summary prints, exit 130.
    const first = CliRun.start(args, cache);
    first.onLine(/^uploaded /, 40, () => first.child.kill('SIGINT'));
    const firstEnd = await first.exited;
    assert.equal(firstEnd.code, 130, first.stdout + first.stderr);
    const firstUploaded = summaryCount(first.stdout, 'uploaded');
    assert.ok(firstUploaded >= 40 && firstUploaded < documents - 40, `run 1 uploaded ${firstUploaded}`);
    assert.ok(summaryCount(first.stdout, 'not processed (interrupted)') > 0);
    assert.match(first.stdout, /Summary \([^)]*interrupted\)/);

    // Run 2: killed outright after 40 more uploads: no summary, nothing flushed at exit.
    const second = CliRun.start(args, cache);
    second.onLine(/^uploaded /, 40, () => second.child.kill('SIGKILL'));
    assert.equal((await second.exited).signal, 'SIGKILL');
    const secondUploaded = second.lines(/^uploaded /).length;
    assert.ok(secondUploaded >= 40, second.stdout);
    assert.equal(second.lines(/^known /).length, firstUploaded, 'run 2 sends nothing run 1 had sent');

    // Run 3: to the end.
    const third = CliRun.start(args, cache);
    const thirdEnd = await third.exited;
    const out = third.stdout;
    const count = (label: string) => summaryCount(out, label);
    assert.equal(thirdEnd.code, 1, `broken files make the exit code 1:\n${out}${third.stderr}`);
    // Everything confirmed by runs 1 and 2 is known; of the rest, only the uploads in flight when
    // run 2 was killed can already be on the server (it then answers "duplicate": nothing is stored twice).
    assert.ok(count('already imported (earlier run)') >= firstUploaded + secondUploaded);
    assert.ok(count('already on the server (skipped)') <= CONCURRENCY, out);
    assert.equal(count('uploaded') + count('already imported (earlier run)') + count('already on the server (skipped)'), documents);
    assert.ok(count('uploaded') <= documents - firstUploaded - secondUploaded, 'run 3 sends only what was missing');
    assert.ok(count('uploaded') > 0);
    assert.equal(count('skipped: duplicate in the tree'), facts.duplicates);
    assert.equal(count('skipped: unsupported'), facts.unsupported);
    assert.equal(count('skipped: empty'), facts.empty);
    assert.equal(count('failed to upload'), 0);
    assert.equal(count('ready'), facts.good);
    assert.equal(count('failed'), Object.keys(facts.broken).length);
    assert.equal(count('still processing'), 0);
    for (const [rel, reason] of Object.entries(facts.broken)) {
      assert.match(out, new RegExp(`^  ${rel.replace(/\./g, '\\.')}\\s+${reason}`, 'm'), `the summary gives ${rel}'s reason`);
    }
    assert.match(out, /^Unsupported: .*type \.png ×8.*type \.zip ×4/m);
    assert.doesNotMatch(out, /drafts\/|\.hidden|\.cache/, 'excluded and hidden files are not even listed');

    // The server: every distinct document exactly once, in the folder mirroring its directory.
    const docs: { filename: string; folderId: string | null; status: string }[] = [];
    for (let cursor: string | null = ''; cursor !== null;) {
      const page: HttpResult = await api.request(
        'GET',
        `/api/v1/documents?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { token: t.adminKey },
      );
      assert.equal(page.status, 200, page.text);
      docs.push(...page.body.items);
      cursor = page.body.nextCursor;
    }
    assert.equal(docs.length, documents);
    assert.equal(new Set(docs.map((d) => d.filename)).size, documents, 'no file stored twice');
    const folders = (await api.request('GET', '/api/v1/folders', { token: t.adminKey })).body.items as {
      id: string;
      name: string;
      parentId: string | null;
    }[];
    const pathOf = (id: string | null): string => {
      const f = folders.find((x) => x.id === id);
      return f ? `${f.parentId ? `${pathOf(f.parentId)}/` : ''}${f.name}` : '';
    };
    assert.equal(folders.filter((f) => f.name === 'Manuals').length, 1, 'each folder created once across the three runs');
    for (const rel of facts.samples) {
      const name = rel.split('/').pop()!;
      const doc = docs.find((d) => d.filename === name);
      assert.ok(doc, `${rel} on the server`);
      assert.equal(pathOf(doc.folderId), ['Manuals', ...rel.split('/').slice(0, -1)].join('/'), `${rel}'s folder`);
    }

    // Run 4: nothing left to send; the state answers for every file, exit still 1 (the broken ones).
    const fourth = CliRun.start(args, cache);
    assert.equal((await fourth.exited).code, 1);
    assert.equal(summaryCount(fourth.stdout, 'uploaded'), 0);
    assert.equal(summaryCount(fourth.stdout, 'already imported (earlier run)'), documents);
  });

  test('a 429 with Retry-After is waited out, not hammered; exit 0 when everything is ready', async () => {
    // 4 uploads per minute for the tenant, so 2 for one API key (RATE_LIMIT_CLIENT_PERCENT 50).
    const t = await createTenant(api, 'cli-throttled', { limits: { uploadPerMinute: 4 } });
    const dir = join(scratch, 'throttled');
    const tag = randomUUID();
    for (let i = 0; i < 3; i++) writeFile(join(dir, `pump-${i}.md`), `# Pump ${i}\n\nDescale pump ${i} every ${i + 2} weeks (${tag}).\n`);
    const started = Date.now();
    const run = CliRun.start(importArgs(t, dir, '--concurrency', '2'), { XDG_CACHE_HOME: join(scratch, 'cache-throttled') });
    const end = await run.exited;
    assert.equal(end.code, 0, run.stdout + run.stderr);
    const uploaded = summaryCount(run.stdout, 'uploaded');
    assert.equal(uploaded, 3, run.stdout);
    assert.equal(summaryCount(run.stdout, 'ready'), 3);
    const retries = run.lines(/^retry .*429 Rate limit reached/);
    assert.ok(retries.length >= 1, `a 429 was met:\n${run.stdout}`);
    // Each throttled upload waited as long as the server said, once: no retry storm.
    assert.ok(retries.length <= 2, retries.join('\n'));
    const waited = Math.max(...retries.map((l) => Number(/again in (\d+) s/.exec(l)![1])));
    assert.ok(waited >= 1 && waited <= 60, retries.join('\n'));
    assert.ok(Date.now() - started >= (waited - 1) * 1000, 'the CLI slept through Retry-After');
  });

  test('usage: --help lists every option; a missing key or bad argument exits 2 without a stack', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [RAGDOCS_BIN, 'import', '--help']);
    for (const option of [
      '--url',
      '--key',
      'RAGDOCS_URL',
      'RAGDOCS_KEY',
      '--folder',
      '--mirror-folders',
      '--include',
      '--exclude',
      '--concurrency',
      '--retries',
      '--no-wait',
      '--wait-timeout',
      '--state-dir',
      '--no-resume',
      '--plain',
    ]) {
      assert.ok(stdout.includes(option), `--help mentions ${option}`);
    }
    const noKey = CliRun.start(['import', scratch, '--url', api.baseUrl], { RAGDOCS_KEY: undefined });
    assert.equal((await noKey.exited).code, 2);
    assert.match(noKey.stderr, /--key/);
    const badKey = CliRun.start(['import', scratch, '--url', api.baseUrl], { RAGDOCS_KEY: 'rag_not-a-key' });
    assert.equal((await badKey.exited).code, 2);
    assert.match(badKey.stderr, /refused the key \(401\)/);
    assert.doesNotMatch(badKey.stderr, /\n\s+at /, 'no stack trace');
    const badNumber = CliRun.start(['import', scratch, '--url', api.baseUrl, '--concurrency', 'many'], { RAGDOCS_KEY: 'x' });
    assert.equal((await badNumber.exited).code, 2);
    assert.match(badNumber.stderr, /--concurrency/);
  });
});
