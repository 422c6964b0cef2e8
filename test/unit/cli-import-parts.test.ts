/** The importer's pieces that decide without a server: retry timing, the resume state, the tree walk. */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ImportState } from '../../apps/cli/src/import/import-state.js';
import { parseRetryAfter, retryDelayMs } from '../../apps/cli/src/import/retry-policy.js';
import { headLooksSupported, unsupportedExtension } from '../../apps/cli/src/import/supported-types.js';
import { scanTree } from '../../apps/cli/src/import/tree-scan.js';
import { makeDocx } from '../support/docx-fixtures.js';
import { makePdf } from '../support/pdf-fixtures.js';

const scratch = mkdtempSync(join(tmpdir(), 'ragdocs-cli-parts-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('retry policy', () => {
  const status = (s: number, retryAfter: string | null = null) => ({ kind: 'status' as const, status: s, retryAfter, message: '' });

  test('Retry-After in seconds or as an HTTP date; anything else is unreadable', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('41', now), 41_000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now), 0, 'a date in the past: now');
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter(null, now), null);
  });

  test('429 is always retried after Retry-After; 502/503/504 and network errors only `retries` times; other answers never', () => {
    assert.equal(retryDelayMs(status(429, '7'), 1, 0), 7000);
    assert.equal(retryDelayMs(status(429, '7'), 500, 3), 7000, 'throttling does not use up the retries');
    assert.ok(retryDelayMs(status(429), 1, 3)! > 0, 'a 429 without Retry-After still waits');
    assert.equal(retryDelayMs(status(503, '2'), 3, 3), 2000);
    assert.equal(retryDelayMs(status(503, '2'), 4, 3), null);
    for (const s of [400, 401, 404, 409, 413, 415, 500]) assert.equal(retryDelayMs(status(s, '1'), 1, 3), null, `${s}`);
    const backoff = [1, 2, 3, 4, 10, 30].map((n) => retryDelayMs({ kind: 'network', message: 'ECONNRESET' }, n, 100)!);
    assert.ok(backoff[0]! >= 250 && backoff[0]! <= 500, backoff.join(','));
    assert.ok(backoff[3]! >= 2000 && backoff[3]! <= 4000, backoff.join(','));
    assert.ok(
      backoff.every((ms) => ms <= 30_000),
      'capped',
    );
  });
});

describe('resume state', () => {
  const doc = (n: number) => ({
    documentId: `doc-${n}`,
    rel: `dir/file-${n}.md`,
    status: 'queued' as const,
    error: null,
    chunkCount: null,
  });

  test('survives a torn last line (a kill mid-write), keeps the latest record per hash, forgets, and is per URL + tenant', () => {
    const dir = join(scratch, 'state');
    const a = ImportState.open(dir, 'http://api.test', 'tenant-1', true);
    a.remember('h1', doc(1));
    a.remember('h2', doc(2));
    a.remember('h1', { ...doc(1), status: 'ready', chunkCount: 3 });
    a.remember('h3', doc(3));
    a.forget('h3');
    a.close();
    appendFileSync(a.file, '{"h":"h4","d":"doc-4","p":"x.m'); // torn
    assert.doesNotMatch(readFileSync(a.file, 'utf8'), /rag_|Bearer/, 'no credentials in the state');

    const b = ImportState.open(dir, 'http://api.test', 'tenant-1', true);
    assert.equal(b.file, a.file);
    assert.deepEqual(b.get('h1'), { ...doc(1), status: 'ready', chunkCount: 3 });
    assert.deepEqual(b.get('h2'), doc(2));
    assert.equal(b.get('h3'), undefined);
    assert.equal(b.get('h4'), undefined);
    b.remember('h5', doc(5)); // appends after the torn line: still read back
    b.close();
    assert.deepEqual(ImportState.open(dir, 'http://api.test', 'tenant-1', true).get('h5'), doc(5));

    const other = ImportState.open(dir, 'http://api.test', 'tenant-2', true);
    assert.notEqual(other.file, a.file);
    assert.equal(other.get('h1'), undefined);
    const fresh = ImportState.open(dir, 'http://api.test', 'tenant-1', false);
    assert.equal(fresh.get('h1'), undefined, '--no-resume starts from nothing');
  });
});

describe('tree walk and supported types', () => {
  test('include/exclude globs on relative paths, excluded directories not entered, hidden entries and links to directories skipped, sorted', async () => {
    const root = join(scratch, 'tree');
    for (const rel of ['b.md', 'a/x.pdf', 'a/drafts/d.md', 'a/b/c.txt', 'a/b/c.tmp', '.git/config.md', 'a/.DS_Store', 'z/y.md']) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), rel);
    }
    symlinkSync(join(root, 'a'), join(root, 'loop'));
    symlinkSync(join(root, 'b.md'), join(root, 'link.md'));
    const rels = async (include: string[], exclude: string[]) => (await scanTree(root, { include, exclude })).map((f) => f.rel);
    assert.deepEqual(await rels(['**/*'], []), ['a/b/c.tmp', 'a/b/c.txt', 'a/drafts/d.md', 'a/x.pdf', 'b.md', 'link.md', 'z/y.md']);
    assert.deepEqual(await rels(['**/*'], ['**/drafts/**', '**/*.tmp', 'z']), ['a/b/c.txt', 'a/x.pdf', 'b.md', 'link.md']);
    assert.deepEqual(await rels(['a/**/*.{md,txt}'], []), ['a/b/c.txt', 'a/drafts/d.md']);
    assert.equal((await scanTree(root, { include: ['b.md'], exclude: [] }))[0]!.size, 4);
  });

  test("names the API takes, in any case; content judged by the API's own detector", () => {
    for (const name of ['a.pdf', 'B.DOCX', 'c.htm', 'd.Markdown', 'e.txt', 'dir.v2/f.md'])
      assert.equal(unsupportedExtension(name), null, name);
    assert.equal(unsupportedExtension('photo.PNG'), '.png');
    assert.equal(unsupportedExtension('Makefile'), '(none)');
    assert.ok(headLooksSupported(makePdf(['x'])));
    assert.ok(headLooksSupported(makeDocx(['x'])));
    assert.ok(headLooksSupported(new TextEncoder().encode('# title\n\nplain words')));
    assert.ok(!headLooksSupported(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 1, 2, 3])));
  });
});
