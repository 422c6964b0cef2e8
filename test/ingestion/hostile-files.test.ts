/**
 * A corpus of hostile and broken uploads, made here in memory, against the real API
 * and a real worker process. Each must be refused at upload with a clear 4xx in the
 * common error shape, or be accepted and end `failed` with a human-readable reason
 * (or, where the file is merely odd, `ready`). Afterwards the worker is still alive,
 * new documents still ingest, and nothing stored before was lost.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { before, test } from 'node:test';
import type { HttpResult, TestApi, TestTenant } from '../support/api.js';
import { upload, uniqueText, waitForStatus } from '../support/documents.js';
import { makeEncryptedPdf, makeImageOnlyPdf, makePdf, truncate } from '../support/pdf-fixtures.js';
import { useStack } from '../support/stack.js';
import type { WorkerProcess } from '../support/worker.js';

const UPLOAD_MAX_BYTES = 100_000;

let api: TestApi;
let worker: WorkerProcess;
let tenant: TestTenant;
const stack = useStack({
  prefix: 'hostile',
  env: { UPLOAD_MAX_BYTES: String(UPLOAD_MAX_BYTES) },
  workers: 1,
  workerEnv: { RECONCILE_INTERVAL_MS: '1000' },
  tenants: ['hostile'],
});
before(
  async () =>
    ({
      api,
      worker,
      tenants: [tenant],
    } = await stack.ready),
);

/** Every document the API accepted (202), to check at the end that refused uploads stored nothing. */
const accepted = new Set<string>();
let earlier: { id: string; chunkCount: number; chunkIds: string[]; contents: string[] } | undefined;

const get = (path: string) => api.request('GET', path, { token: tenant.adminKey });

async function chunksOf(id: string): Promise<{ id: string; content: string }[]> {
  const res = await get(`/api/v1/documents/${id}/chunks`);
  assert.equal(res.status, 200, res.text);
  return res.body.items;
}

async function settle(id: string): Promise<any> {
  return waitForStatus(api, tenant.adminKey, id, ['ready', 'failed'], 90_000).catch((e) => {
    throw new Error(`${e.message}\n--- worker alive: ${worker.alive}; log (tail) ---\n${worker.log.slice(-3000)}`);
  });
}

async function uploadAccepted(bytes: Uint8Array, filename: string): Promise<string> {
  const res = await upload(api, tenant.adminKey, bytes, filename);
  assert.equal(res.status, 202, `${filename}: ${res.status} ${res.text}`);
  accepted.add(res.body.id);
  return res.body.id;
}

async function expectReady(bytes: Uint8Array, filename: string) {
  const id = await uploadAccepted(bytes, filename);
  const doc = await settle(id);
  assert.equal(doc.status, 'ready', `${filename} ended ${doc.status}: ${doc.error}`);
  const chunks = await chunksOf(id);
  assert.ok(chunks.length > 0);
  assert.equal(doc.chunkCount, chunks.length);
  return { doc, chunks };
}

/** A short reason for people: not a stack trace, not an internal error dump. */
function assertHumanReadable(error: unknown) {
  assert.equal(typeof error, 'string');
  const text = error as string;
  assert.ok(text.length > 0 && text.length <= 200, `short reason: ${JSON.stringify(text)}`);
  assert.ok(!/\n\s+at |Error:|\bundefined\b|\[object /.test(text), `no internals in the reason: ${JSON.stringify(text)}`);
}

/** Accepted at upload (the bytes are a PDF), then `failed` with exactly this reason and no chunks. */
async function expectFailed(bytes: Uint8Array, filename: string, reason: string) {
  const id = await uploadAccepted(bytes, filename);
  const doc = await settle(id);
  assert.equal(doc.status, 'failed', `${filename} should fail, ended ${doc.status}`);
  assert.equal(doc.error, reason);
  assertHumanReadable(doc.error);
  assert.equal(doc.chunkCount ?? 0, 0);
  assert.deepEqual(await chunksOf(id), [], 'a failed document has no chunks');
  assert.ok(worker.alive, 'the worker survived');
}

/** The common error shape, with the request id of the answer and a message that says why. */
function assertRefused(res: { status: number; body: any; requestIdHeader: string | null }, status: number, why: RegExp) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  assert.equal(typeof res.body, 'object', `JSON error body: ${res.body}`);
  assert.equal(res.body.statusCode, status);
  assert.equal(typeof res.body.error, 'string');
  assert.ok(res.body.error.length > 0);
  assert.match(res.body.message, why);
  assert.match(res.body.requestId, /^[\w.-]{8,}$/);
  assert.equal(res.body.requestId, res.requestIdHeader, 'requestId matches X-Request-Id');
}

const fromFetch = (res: HttpResult) => ({ status: res.status, body: res.body, requestIdHeader: res.headers.get('x-request-id') });

interface RawAnswer {
  status: number;
  body: any;
  requestIdHeader: string | null;
  bytesSentBeforeAnswer: number;
}

/**
 * A POST written by hand with node:http, for what fetch won't send: a declared length
 * that is never delivered, or a chunked body. Resolves with the answer (then drops the
 * connection); rejects if there is none within `timeoutMs`.
 */
function rawPost(
  path: string,
  headers: Record<string, string>,
  send: (write: (chunk: string | Uint8Array) => void, end: () => void) => void,
  timeoutMs = 15_000,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = http.request(new URL(path, api.baseUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.adminKey}`, ...headers },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms (${sent} bytes sent)`));
    }, timeoutMs);
    req.on('response', (res) => {
      answered = true;
      const bytesSentBeforeAnswer = sent;
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      res.on('end', () => {
        clearTimeout(timer);
        req.destroy();
        const text = Buffer.concat(parts).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON: the assertion shows it */
        }
        const id = res.headers['x-request-id'];
        resolve({ status: res.statusCode!, body, requestIdHeader: typeof id === 'string' ? id : null, bytesSentBeforeAnswer });
      });
    });
    req.on('error', (e) => {
      // Once answered, a reset of the unread rest of the upload is expected and harmless.
      if (!answered) {
        clearTimeout(timer);
        reject(e);
      }
    });
    send(
      (chunk) => {
        if (req.destroyed || answered) return;
        sent += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
        req.write(chunk);
      },
      () => {
        if (!req.destroyed && !answered) req.end();
      },
    );
  });
}

function multipartParts(filenameParam: string, contentType = 'text/plain') {
  const boundary = `----hostile-${randomUUID()}`;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    head: `--${boundary}\r\nContent-Disposition: form-data; name="file"; ${filenameParam}\r\nContent-Type: ${contentType}\r\n\r\n`,
    tail: `\r\n--${boundary}--\r\n`,
  };
}

/**
 * A one-page PDF with valid xref offsets whose page dictionary carries `extra`
 * (e.g. thousands of nested arrays) next to a normal text content stream.
 */
function pdfWithPageExtra(text: string, extra: string): Uint8Array {
  const content = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [4 0 R] /Count 1 >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R /Deep ${extra} >>`,
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f\r\n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n\r\n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

test('a good document uploaded before the corpus becomes ready', async () => {
  const { doc, chunks } = await expectReady(new TextEncoder().encode(uniqueText('tidal energy', 4)), 'before.txt');
  earlier = { id: doc.id, chunkCount: doc.chunkCount, chunkIds: chunks.map((c) => c.id), contents: chunks.map((c) => c.content) };
});

test('a truncated PDF is accepted (it starts like a PDF) and fails as "corrupt PDF"', async () => {
  const whole = makePdf([`Quarterly report ${randomUUID()}`, 'Second page of the report']);
  const half = truncate(whole, 0.5);
  assert.ok(half.length > 0 && half.length < whole.length);
  await expectFailed(half, 'truncated.pdf', 'corrupt PDF');
});

test('an encrypted PDF fails as "encrypted PDF"', async () => {
  await expectFailed(makeEncryptedPdf(), 'locked.pdf', 'encrypted PDF');
});

test('an image-only PDF fails as "no extractable text"', async () => {
  await expectFailed(makeImageOnlyPdf(), 'scan.pdf', 'no extractable text');
});

test('PDFs with deeply nested arrays and dictionaries end ready or failed with a reason, and never take the worker down', async () => {
  const variants = [
    { name: 'nested-arrays-5000.pdf', depth: 5_000, extra: (d: number) => '['.repeat(d) + '1' + ']'.repeat(d) },
    { name: 'nested-dicts-5000.pdf', depth: 5_000, extra: (d: number) => '<< /A '.repeat(d) + '1' + ' >>'.repeat(d) },
    // Deep enough to exhaust a parser's stack when it recurses, still under UPLOAD_MAX_BYTES.
    { name: 'nested-arrays-40000.pdf', depth: 40_000, extra: (d: number) => '['.repeat(d) + '1' + ']'.repeat(d) },
  ];
  for (const v of variants) {
    const survivor = `nested survivor ${randomUUID()}`;
    const bytes = pdfWithPageExtra(survivor, v.extra(v.depth));
    assert.ok(bytes.length < UPLOAD_MAX_BYTES, `${v.name} fits the upload limit (${bytes.length} bytes)`);
    const id = await uploadAccepted(bytes, v.name);
    const doc = await settle(id);
    assert.ok(worker.alive, `the worker survived ${v.name}`);
    if (doc.status === 'ready') {
      const chunks = await chunksOf(id);
      assert.equal(doc.chunkCount, chunks.length);
      assert.ok(
        chunks.some((c) => c.content.includes(survivor)),
        `${v.name}: the page text was extracted`,
      );
    } else {
      assert.equal(doc.status, 'failed');
      assertHumanReadable(doc.error);
    }
  }
});

test('zero bytes are refused with 400 "the file is empty"', async () => {
  const res = await upload(api, tenant.adminKey, new Uint8Array(0), 'empty.pdf');
  assertRefused(fromFetch(res), 400, /empty/i);
});

test('an ELF executable named report.pdf is refused with 415', async () => {
  const elf = new Uint8Array(4096);
  // ELF64 little-endian header of an x86-64 executable, then "code".
  elf.set([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00], 0);
  elf.set([0x02, 0x00, 0x3e, 0x00, 0x01, 0x00, 0x00, 0x00], 16);
  for (let i = 64; i < elf.length; i++) elf[i] = (i * 131) & 0xff;
  const res = await upload(api, tenant.adminKey, elf, 'report.pdf');
  assertRefused(fromFetch(res), 415, /unsupported file type/i);
});

test('a declared 2 GB Content-Length is answered 413 at once, without the body being read', async () => {
  const { contentType, head } = multipartParts('filename="huge.bin"', 'application/octet-stream');
  const started = Date.now();
  const answer = await rawPost('/api/v1/documents', { 'content-type': contentType, 'content-length': String(2 ** 31) }, (write) => {
    write(head);
    write(new Uint8Array(4096).fill(0x61));
    // Never ends: the server must answer from the header alone.
  });
  assertRefused(answer, 413, /too large/i);
  assert.ok(answer.bytesSentBeforeAnswer < 16 * 1024, `answered after ${answer.bytesSentBeforeAnswer} bytes`);
  assert.ok(Date.now() - started < 10_000, 'answered promptly, not after a read timeout');
  const health = await get('/api/v1/documents?limit=1');
  assert.equal(health.status, 200, 'the API still serves requests');
});

test('an upload over UPLOAD_MAX_BYTES (200 KB of text, 100 KB limit) is refused with 413', async () => {
  const text = uniqueText('oversized', 1) + '\n' + 'lorem ipsum dolor sit amet '.repeat(Math.ceil(200_000 / 27));
  const bytes = new TextEncoder().encode(text);
  assert.ok(bytes.length > 2 * UPLOAD_MAX_BYTES - 1);
  const res = await upload(api, tenant.adminKey, bytes, 'big.txt');
  assertRefused(fromFetch(res), 413, /too large/i);
});

test('a chunked upload without Content-Length is cut off by the streaming limit with 413 (a small one passes)', async () => {
  const sendChunked = (content: Uint8Array, filename: string) => {
    const { contentType, head, tail } = multipartParts(`filename="${filename}"`);
    return rawPost('/api/v1/documents', { 'content-type': contentType, 'transfer-encoding': 'chunked' }, (write, end) => {
      write(head);
      for (let at = 0; at < content.length; at += 16 * 1024) write(content.subarray(at, at + 16 * 1024));
      write(tail);
      end();
    });
  };

  const big = new TextEncoder().encode(uniqueText('chunked oversized', 1) + '\n' + 'streaming body '.repeat(Math.ceil(200_000 / 15)));
  const refused = await sendChunked(big, 'chunked-big.txt');
  assertRefused(refused, 413, /too large/i);

  // The control: the same way of sending, under the limit, is accepted and ingested.
  const small = new TextEncoder().encode(uniqueText('chunked small', 3));
  const ok = await sendChunked(small, 'chunked-small.txt');
  assert.equal(ok.status, 202, JSON.stringify(ok.body));
  accepted.add(ok.body.id);
  assert.equal(ok.body.sizeBytes, small.length);
  const doc = await settle(ok.body.id);
  assert.equal(doc.status, 'ready', `ended ${doc.status}: ${doc.error}`);
});

test('path traversal and control characters in the file name are stripped; the document is still ingested', async () => {
  const names = [
    '../../etc/passwd\u0000\u001b[31m\r\nreport.txt',
    '..\\..\\Windows\\System32\\drivers\\etc\\hosts\u0007\u001b[0m.txt',
    '....//....//etc/passwd\t',
  ];
  for (const name of names) {
    const content = new TextEncoder().encode(uniqueText('file name hygiene', 2));
    // RFC 5987 encoding carries the raw control characters (incl. CR LF) through the multipart header.
    const { contentType, head, tail } = multipartParts(`filename*=UTF-8''${encodeURIComponent(name)}`);
    const body = new Uint8Array(Buffer.concat([Buffer.from(head), content, Buffer.from(tail)]));
    const res = await api.request('POST', '/api/v1/documents', { token: tenant.adminKey, body, headers: { 'content-type': contentType } });
    assert.equal(res.status, 202, `${JSON.stringify(name)}: ${res.text}`);
    accepted.add(res.body.id);

    const stored: string = res.body.filename;
    const shown = JSON.stringify(stored);
    assert.ok(stored.length > 0 && stored.length <= 255, `non-empty label: ${shown}`);
    assert.ok(!/[/\\]/.test(stored), `no path separators: ${shown}`);
    assert.ok(!stored.includes('..'), `no traversal: ${shown}`);
    assert.ok(!/\p{Cc}/u.test(stored), `no control characters: ${shown}`);
    if (name.includes('report.txt')) assert.ok(stored.endsWith('report.txt'), `the real name survives: ${shown}`);

    const doc = await settle(res.body.id);
    assert.equal(doc.status, 'ready', `ended ${doc.status}: ${doc.error}`);
    assert.equal(doc.filename, stored, 'the stored name is what was answered');
  }
});

test('after the corpus: the worker is alive, the earlier document is intact, a new document ingests, refused uploads stored nothing', async () => {
  assert.ok(earlier, 'needs the first test to have run');
  assert.ok(worker.alive, `the worker process is still running\n${worker.log.slice(-2000)}`);

  const before = await get(`/api/v1/documents/${earlier.id}`);
  assert.equal(before.status, 200);
  assert.equal(before.body.status, 'ready');
  assert.equal(before.body.chunkCount, earlier.chunkCount);
  const chunks = await chunksOf(earlier.id);
  assert.deepEqual(
    chunks.map((c) => c.id),
    earlier.chunkIds,
    'the same chunks',
  );
  assert.deepEqual(
    chunks.map((c) => c.content),
    earlier.contents,
  );

  const next = await expectReady(new TextEncoder().encode(uniqueText('after the storm', 3)), 'after.txt');
  assert.equal(next.doc.status, 'ready');

  const listed = await get('/api/v1/documents?limit=100');
  assert.equal(listed.status, 200);
  assert.deepEqual(
    listed.body.items.map((d: { id: string }) => d.id).sort(),
    [...accepted].sort(),
    'exactly the accepted uploads are stored: no row for any refused one',
  );
  assert.ok(worker.alive, 'and still alive at the end');
});
