/**
 * Issue 8, "20 concurrent 45 MB uploads": the API streams uploads to a private temporary
 * file and from there into PostgreSQL, so its memory does not grow with the bytes in
 * flight, and another tenant's requests stay responsive meanwhile. The API runs in its
 * own process so that its RSS (not the test's) is what is measured. The request bodies
 * are generated while they are sent: the test never holds 900 MB either.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import { strToU8, unzipSync, zipSync } from 'fflate';
import type pg from 'pg';
import { createTenant, type TestTenant } from '../support/api.js';
import { ApiProcess } from '../support/api-process.js';
import { superClient } from '../support/db.js';
import { upload, uniqueText } from '../support/documents.js';
import { makeDocx } from '../support/docx-fixtures.js';
import { waitFor } from '../support/worker.js';

const UPLOADS = 20;
const SIZE = 45 * 1024 * 1024;
const MAX_RSS_GROWTH_MB = 300;
const MAX_OTHER_TENANT_P50_MS = 2_000;

let api: ApiProcess;
let db: pg.Client;
let uploader: TestTenant;
let bystander: TestTenant;
/** UPLOAD_TMP_DIR of the API process: it keeps its private directory in here. */
let uploadRoot: string;
/** What a crashed API process left (its pid is gone), and what a live one has (ours): the start-up sweep. */
let deadProcessDir: string;
let liveProcessDir: string;

before(async () => {
  uploadRoot = mkdtempSync(join(tmpdir(), 'upload-memory-test-'));
  const host = hostname().replace(/[^A-Za-z0-9.]/g, '_');
  const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
  deadProcessDir = join(uploadRoot, `ragdocs-upload-${host}-${deadPid}-crashed`);
  liveProcessDir = join(uploadRoot, `ragdocs-upload-${host}-${process.pid}-alive`);
  for (const dir of [deadProcessDir, liveProcessDir]) {
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, 'partial-upload'), 'bytes of an upload in flight');
  }
  api = await ApiProcess.start({ QUEUE_PREFIX: `upmem-${randomUUID().slice(0, 8)}`, UPLOAD_TMP_DIR: uploadRoot });
  db = await superClient();
  uploader = await createTenant(api, 'uploader');
  bystander = await createTenant(api, 'bystander');
});

after(async () => {
  try {
    // The uploads stay `queued` (no worker here): left in the shared test database, any later suite's
    // worker reconciler would pick up 900 MB of text and starve that suite's own documents.
    if (db) {
      for (const t of [uploader, bystander]) if (t) await db.query(`DELETE FROM documents WHERE tenant_id = $1`, [t.id]);
      await db.end();
    }
    await api?.stop();
  } finally {
    rmSync(uploadRoot, { recursive: true, force: true });
  }
});

/** Files (not directories) anywhere under the upload root: what the API left behind (the live process's set-up file aside). */
function leftoverFiles(dir = uploadRoot): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? leftoverFiles(join(dir, e.name)) : [join(dir, e.name)]))
    .filter((f) => !f.startsWith(liveProcessDir));
}

/**
 * `size` bytes of plain text, unique by its first line, produced block by block while it is
 * sent; `digest()` is its sha256 once the generator has run to the end.
 */
function textBody(size: number) {
  const hash = createHash('sha256');
  const line = 'The quarterly maintenance report lists every pump, valve and filter that was serviced.\n';
  const block = Buffer.from(line.repeat(Math.ceil((256 * 1024) / line.length)));
  async function* generate(): AsyncGenerator<Buffer> {
    let left = size;
    const first = Buffer.from(`Upload ${randomUUID()} of the memory test.\n`);
    hash.update(first);
    yield first;
    left -= first.length;
    while (left > 0) {
      const piece = left >= block.length ? block : block.subarray(0, left);
      hash.update(piece);
      left -= piece.length;
      yield piece;
    }
  }
  return { generate, digest: () => hash.digest('hex') };
}

interface RawAnswer {
  status: number;
  body: any;
}

/**
 * A multipart upload over http.request with a declared Content-Length (as curl sends it),
 * the body streamed from `content` with back-pressure.
 */
function streamUpload(token: string, filename: string, size: number, content: () => AsyncIterable<Buffer>): Promise<RawAnswer> {
  const boundary = `----upmem-${randomUUID()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/plain\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const url = new URL('/api/v1/documents', api.baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + size + tail.length),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode!, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    async function* whole() {
      yield head;
      yield* content();
      yield tail;
    }
    pipeline(Readable.from(whole()), req).catch(reject);
  });
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

test(`${UPLOADS} concurrent ${SIZE / 2 ** 20} MB uploads: API RSS grows < ${MAX_RSS_GROWTH_MB} MB, all stored intact, another tenant stays responsive`, async () => {
  // Warm-up, so the baseline includes the upload path's code and pools: one small upload each.
  for (const t of [uploader, bystander]) {
    const res = await upload(api, t.adminKey, uniqueText('warm-up'), 'warm-up.txt');
    assert.equal(res.status, 202, res.text);
  }
  const peakReset = api.resetPeak();
  const baselineMb = api.memoryMb('VmRSS');
  let sampledPeakMb = baselineMb;
  const sampler = setInterval(() => {
    try {
      sampledPeakMb = Math.max(sampledPeakMb, api.memoryMb('VmRSS'));
    } catch {
      /* exited */
    }
  }, 25);

  const started = Date.now();
  const bodies = Array.from({ length: UPLOADS }, () => textBody(SIZE));
  let uploading = true;
  const uploads = Promise.all(bodies.map((b, i) => streamUpload(uploader.adminKey, `big-${i}.txt`, SIZE, b.generate))).finally(() => {
    uploading = false;
  });

  // The other tenant meanwhile: a document list and a keyword search, one after the other.
  const latencies: number[] = [];
  const otherStatuses: number[] = [];
  while (uploading) {
    for (const call of [
      () => api.request('GET', '/api/v1/documents?limit=5', { token: bystander.adminKey }),
      () => api.request('POST', '/api/v1/search', { token: bystander.adminKey, json: { query: 'warm-up paragraph', mode: 'keyword' } }),
    ]) {
      const t0 = performance.now();
      const res = await call();
      latencies.push(performance.now() - t0);
      otherStatuses.push(res.status);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const answers = await uploads;
  const elapsedS = (Date.now() - started) / 1000;
  clearInterval(sampler);
  const peakMb = peakReset ? Math.max(api.memoryMb('VmHWM'), sampledPeakMb) : sampledPeakMb;
  const growthMb = peakMb - baselineMb;
  const p50 = percentile(latencies, 50);
  const p95 = percentile(latencies, 95);
  console.log(
    `# upload-memory: ${UPLOADS} x ${SIZE / 2 ** 20} MB in ${elapsedS.toFixed(1)} s; API RSS baseline ${baselineMb.toFixed(0)} MB, ` +
      `peak ${peakMb.toFixed(0)} MB (${peakReset ? 'VmHWM' : 'sampled'}), growth ${growthMb.toFixed(0)} MB; ` +
      `other tenant: ${latencies.length} requests, p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`,
  );

  const serverErrors = () => {
    const at = api.log.indexOf('ERROR');
    return at < 0 ? '' : api.log.slice(at, at + 3000);
  };
  for (const [i, a] of answers.entries())
    assert.equal(a.status, 202, `upload ${i}: ${a.status} ${JSON.stringify(a.body)}\n${serverErrors()}`);
  assert.ok(
    growthMb < MAX_RSS_GROWTH_MB,
    `API RSS grew by ${growthMb.toFixed(0)} MB (baseline ${baselineMb.toFixed(0)} MB, peak ${peakMb.toFixed(0)} MB)`,
  );
  assert.ok(
    otherStatuses.every((s) => s === 200),
    `the other tenant's answers: ${[...new Set(otherStatuses)].join(', ')}`,
  );
  assert.ok(latencies.length >= 4, `the other tenant got ${latencies.length} answers`);
  assert.ok(p50 < MAX_OTHER_TENANT_P50_MS, `the other tenant's p50 was ${p50.toFixed(0)} ms`);

  // What PostgreSQL holds: one row per upload with the right size and hash; for every 4th upload
  // the stored bytes themselves are hashed by PostgreSQL (all 20 would add ~30 s on this machine).
  const { rows } = await db.query(
    `SELECT d.filename, d.size_bytes::bigint AS size, d.content_hash, octet_length(f.data) AS stored,
            CASE WHEN d.filename ~ '^big-(0|4|8|12|16)[.]' THEN encode(sha256(f.data), 'hex') END AS stored_hash
     FROM documents d JOIN document_files f ON f.tenant_id = d.tenant_id AND f.document_id = d.id
     WHERE d.tenant_id = $1 AND d.filename LIKE 'big-%' ORDER BY d.filename`,
    [uploader.id],
  );
  assert.equal(rows.length, UPLOADS);
  const byName = new Map(rows.map((r) => [r.filename, r]));
  bodies.forEach((b, i) => {
    const row = byName.get(`big-${i}.txt`);
    assert.ok(row, `big-${i}.txt stored`);
    const expected = b.digest();
    assert.equal(Number(row.size), SIZE);
    assert.equal(row.stored, SIZE);
    assert.equal(row.content_hash, expected, `big-${i}.txt: content_hash`);
    if (i % 4 === 0) assert.equal(row.stored_hash, expected, `big-${i}.txt: the stored bytes`);
  });
  await waitFor('no temporary file left behind', async () => leftoverFiles().length === 0, 5_000, 50);
});

test('an upload aborted mid-body stores nothing, leaves no temporary file and is logged as a client abort', async () => {
  const filename = `aborted-${randomUUID()}.txt`;
  const boundary = `----upmem-${randomUUID()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/plain\r\n\r\n`,
  );
  const req = http.request(new URL('/api/v1/documents', api.baseUrl), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${uploader.adminKey}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + 20 * 2 ** 20),
    },
  });
  req.on('error', () => {
    /* we hang up ourselves */
  });
  req.write(head);
  const chunk = Buffer.from('An upload that will be cut off halfway through.\n'.repeat(1024));
  for (let sent = 0; sent < 8 * 2 ** 20; sent += chunk.length) {
    if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
  }
  // The server has received part of the body (and written it to its temporary file) when the client goes.
  await waitFor('the partial upload on disk', async () => leftoverFiles().length > 0, 10_000, 20);
  const privateDirs = readdirSync(uploadRoot, { withFileTypes: true }).filter(
    (e) => e.isDirectory() && join(uploadRoot, e.name) !== liveProcessDir,
  );
  assert.ok(privateDirs.length >= 1, 'the API keeps its temporary files in its own directory');
  for (const d of privateDirs) assert.equal(statSync(join(uploadRoot, d.name)).mode & 0o777, 0o700, `${d.name} is private (0700)`);
  const logFrom = api.log.length;
  req.destroy();

  await waitFor('the temporary file to be removed', async () => leftoverFiles().length === 0, 10_000, 50);
  await waitFor('the abort in the log', async () => /499 client closed the request/.test(api.log.slice(logFrom)), 10_000, 50);
  assert.doesNotMatch(api.log.slice(logFrom), /ERROR/, 'the abort is not logged as a server error');
  const { rows } = await db.query(`SELECT id FROM documents WHERE tenant_id = $1 AND filename = $2`, [uploader.id, filename]);
  assert.equal(rows.length, 0, 'no document row');

  // The API is still fine and the same client can upload again.
  const res = await upload(api, uploader.adminKey, uniqueText('after the abort'), 'after-abort.txt');
  assert.equal(res.status, 202, res.text);
  // Removed once the request is over (not necessarily before the answer has reached us).
  await waitFor('no temporary file left behind', async () => leftoverFiles().length === 0, 5_000, 50);
});

test('an upload cut off by UPLOAD_MAX_BYTES while streaming (chunked, no Content-Length) is a 413 and leaves no temporary file', async () => {
  const boundary = `----upmem-${randomUUID()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="too-big.txt"\r\nContent-Type: text/plain\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const over = textBody(50 * 2 ** 20 + 1024); // UPLOAD_MAX_BYTES defaults to 50 MiB
  const answer = await new Promise<RawAnswer>((resolve, reject) => {
    const req = http.request(
      new URL('/api/v1/documents', api.baseUrl),
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${uploader.adminKey}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'transfer-encoding': 'chunked',
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    async function* whole() {
      yield head;
      yield* over.generate();
      yield tail;
    }
    pipeline(Readable.from(whole()), req).catch(() => {
      /* the server may stop reading once it has answered */
    });
  });
  assert.equal(answer.status, 413, JSON.stringify(answer.body));
  assert.match(answer.body.message, /too large/i);
  await waitFor('the temporary file to be removed', async () => leftoverFiles().length === 0, 10_000, 50);
  const { rows } = await db.query(`SELECT id FROM documents WHERE tenant_id = $1 AND filename = 'too-big.txt'`, [uploader.id]);
  assert.equal(rows.length, 0);
});

test('the type is still read from the content: a DOCX whose word/document.xml lies past the first 64 KB is a DOCX, any other ZIP a 415', async () => {
  // Only the head of an upload stays in memory; a ZIP's entry list comes from its central directory at the end of the file.
  const image = new Uint8Array(300 * 1024).map((_, i) => (i * 7919 + (i >> 8)) & 0xff);
  const small = makeDocx([`Imaged report ${randomUUID()}`]);
  const parts = unzipSync(small);
  const docx = zipSync({
    '[Content_Types].xml': parts['[Content_Types].xml']!,
    '_rels/.rels': parts['_rels/.rels']!,
    'word/media/image1.png': [image, { level: 0 }],
    'word/document.xml': parts['word/document.xml']!,
  });
  assert.ok(
    !Buffer.from(docx.subarray(0, 64 * 1024)).includes('word/document.xml'),
    'the fixture keeps word/document.xml out of the first 64 KB',
  );
  const res = await upload(api, uploader.adminKey, docx, 'imaged.bin');
  assert.equal(res.status, 202, res.text);
  assert.equal(res.body.mimeType, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document');

  const otherZip = zipSync({ 'data/blob.bin': [image, { level: 0 }], 'word/readme.txt': strToU8(`not a document ${randomUUID()}`) });
  const refused = await upload(api, uploader.adminKey, otherZip, 'archive.docx');
  assert.equal(refused.status, 415, refused.text);
  // Removed once the request is over (not necessarily before the answer has reached us).
  await waitFor('no temporary file left behind', async () => leftoverFiles().length === 0, 5_000, 50);
});

test('refused uploads leave no temporary file: a bad folderId (400, rejected by the pipes), an unknown folder (404), an empty file (400), a duplicate (200)', async () => {
  const text = uniqueText('refused paths');
  const badField = await upload(api, uploader.adminKey, text, 'a.txt', { folderId: 'not-a-uuid' });
  assert.equal(badField.status, 400, badField.text);
  const unknownFolder = await upload(api, uploader.adminKey, text, 'b.txt', { folderId: randomUUID() });
  assert.equal(unknownFolder.status, 404, unknownFolder.text);
  const empty = await upload(api, uploader.adminKey, '', 'c.txt');
  assert.equal(empty.status, 400, empty.text);
  const first = await upload(api, uploader.adminKey, text, 'd.txt');
  assert.equal(first.status, 202, first.text);
  const again = await upload(api, uploader.adminKey, text, 'e.txt');
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.duplicate, true);
  assert.equal(again.body.id, first.body.id);
  await waitFor('no temporary file', async () => leftoverFiles().length === 0, 5_000, 50);
  const { rows } = await db.query(
    `SELECT filename FROM documents WHERE tenant_id = $1 AND filename IN ('a.txt', 'b.txt', 'c.txt', 'e.txt')`,
    [uploader.id],
  );
  assert.deepEqual(rows, []);
});

test("temporary directories: a dead process's is removed at start, a live one's is left alone, and the API removes its own on shutdown", async () => {
  assert.equal(existsSync(deadProcessDir), false, 'the directory of a process that died (SIGKILL, OOM) was removed at start-up');
  assert.equal(existsSync(join(liveProcessDir, 'partial-upload')), true, 'another live process keeps its files');
  const own = readdirSync(uploadRoot).filter((n) => n.startsWith('ragdocs-upload-') && join(uploadRoot, n) !== liveProcessDir);
  assert.equal(own.length, 1, `the API's own directory: ${own.join(', ')}`);
  await api.stop();
  assert.equal(existsSync(join(uploadRoot, own[0]!)), false, 'removed on a graceful shutdown');
});
