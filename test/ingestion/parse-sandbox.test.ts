import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { DOCX_MIME_TYPE } from '../../libs/ingestion/file-type.js';
import { IngestionError } from '../../libs/ingestion/ingestion.error.js';
import { parseInSandbox } from '../../libs/ingestion/parse-sandbox.js';
import { makeDocxBomb, makePdfBomb } from '../support/bomb-fixtures.js';
import { makeDocx } from '../support/docx-fixtures.js';
import { makeEncryptedPdf, makePdf } from '../support/pdf-fixtures.js';
import { childProcessesRssMb, rssMb } from '../support/process-memory.js';

const roomy = { maxPages: 1000, timeoutMs: 30_000, maxMemoryMb: 256 };

function isIngestionError(message: string, permanent: boolean) {
  return (error: unknown) => {
    assert.ok(error instanceof IngestionError, `expected IngestionError, got ${String(error)}`);
    assert.equal(error.message, message);
    assert.equal(error.permanent, permanent);
    return true;
  };
}

/** Runs `work` while sampling the resident memory of this process's children; returns their peak sum. */
async function peakChildrenMb(work: () => Promise<unknown>): Promise<number> {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, childProcessesRssMb(process.pid))), 10);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  return peak;
}

test('a document parses in the parser process, page numbers intact', async () => {
  const pages = ['first page', 'second page', 'third page'];
  const document = await parseInSandbox(makePdf(pages), 'application/pdf', roomy);
  assert.deepEqual(
    document.pages,
    pages.map((text, i) => ({ pageNumber: i + 1, text })),
  );
  const docx = await parseInSandbox(makeDocx(['a docx paragraph']), DOCX_MIME_TYPE, roomy);
  assert.equal(docx.pages[0]?.text, 'a docx paragraph');
});

test('the caller keeps its bytes; a view into a larger buffer sends only its own bytes', async () => {
  const owned = makePdf(['kept']);
  const length = owned.byteLength;
  await parseInSandbox(owned, 'application/pdf', roomy);
  assert.equal(owned.byteLength, length, 'not detached');

  const text = new TextEncoder().encode('xxxx some text xxxx');
  const view = text.subarray(5, 14);
  const document = await parseInSandbox(view, 'text/plain', roomy);
  assert.equal(document.pages[0]?.text, 'some text');
  assert.equal(text.byteLength, 19, 'the larger buffer stays with the caller');
});

test('ingestion errors cross the process boundary as IngestionError', async () => {
  await assert.rejects(parseInSandbox(makeEncryptedPdf(), 'application/pdf', roomy), isIngestionError('encrypted PDF', true));
  await assert.rejects(
    parseInSandbox(makePdf(['1', '2']), 'application/pdf', { ...roomy, maxPages: 1 }),
    isIngestionError('too many pages (2 > 1)', true),
  );
});

test('a parse exceeding the deadline is cut off, and the caller carries on', async () => {
  const large = makePdf(Array.from({ length: 300 }, (_, i) => `page ${i} `.repeat(40)));
  const started = performance.now();
  await assert.rejects(
    parseInSandbox(large, 'application/pdf', { ...roomy, timeoutMs: 5 }),
    isIngestionError('parsing timed out after 0.005s', true),
  );
  // Rejected at the deadline, not after the parse would have finished.
  assert.ok(performance.now() - started < 1000, 'rejects promptly');

  const after = await parseInSandbox(makePdf(['still working']), 'application/pdf', roomy);
  assert.equal(after.pages[0]?.text, 'still working');
});

test('a parser whose heap outgrows the cap is killed with a permanent error', async () => {
  // ~27 MB of text: decoding and normalising it takes several times that.
  const huge = new TextEncoder().encode('lorem ipsum dolor '.repeat(1_500_000));
  await assert.rejects(
    parseInSandbox(huge, 'text/plain', { ...roomy, maxMemoryMb: 128, textAllowance: false }),
    isIngestionError('parsing needed more than 128 MB of memory', true),
  );
  const after = await parseInSandbox(new TextEncoder().encode('fine'), 'text/plain', roomy);
  assert.equal(after.pages[0]?.text, 'fine');
});

test('a large honest text file gets memory in proportion to its size: 12 MB parses at the default cap of 200 MB', async () => {
  const big = new TextEncoder().encode('The descaling programme takes twenty minutes. '.repeat((12 * 1024 * 1024) / 47));
  const parsed = await parseInSandbox(big, 'text/plain', { ...roomy, maxMemoryMb: 200 });
  assert.ok(parsed.pages[0]!.text.length > 11 * 1024 * 1024);
  // The same file at a flat 200 MB is refused: the allowance is what lets it through.
  await assert.rejects(
    parseInSandbox(big, 'text/plain', { ...roomy, maxMemoryMb: 200, textAllowance: false }),
    isIngestionError('parsing needed more than 200 MB of memory', true),
  );
});

test('memory outside the JS heap counts too: a 1 GiB PDF content stream is stopped at the cap', async () => {
  // pdf.js decodes the stream into one ArrayBuffer that keeps doubling: invisible to
  // V8's heap limit, only the RSS watchdog can stop it.
  const bomb = makePdfBomb();
  assert.ok(bomb.byteLength < 2 * 1024 * 1024, `a small file (${bomb.byteLength} bytes)`);
  let outcome: unknown;
  const peak = await peakChildrenMb(() =>
    parseInSandbox(bomb, 'application/pdf', { ...roomy, maxMemoryMb: 160 }).catch((e) => (outcome = e)),
  );
  isIngestionError('parsing needed more than 160 MB of memory', true)(outcome);
  // The watchdog samples every 25 ms; the child may pass the cap by what it grows in that time.
  assert.ok(peak < 160 + 64, `the parser process peaked at ${peak.toFixed(0)} MB`);
});

test('a DOCX decompression bomb is refused before mammoth inflates it, cheaply', async () => {
  const bomb = makeDocxBomb();
  let outcome: unknown;
  const peak = await peakChildrenMb(() => parseInSandbox(bomb, DOCX_MIME_TYPE, roomy).catch((e) => (outcome = e)));
  isIngestionError('the file expands more than 100-fold when decompressed', true)(outcome);
  assert.ok(peak < 128, `the parser process peaked at ${peak.toFixed(0)} MB`);

  await assert.rejects(
    parseInSandbox(bomb, DOCX_MIME_TYPE, { ...roomy, maxUncompressedMb: 20, maxCompressionRatio: 10_000 }),
    isIngestionError('the file expands beyond 20 MB when decompressed', true),
  );
});

test('aborting terminates the parse with the signal reason', async () => {
  const controller = new AbortController();
  const reason = new Error('shutting down');
  const pending = parseInSandbox(makePdf(['x']), 'application/pdf', { ...roomy, signal: controller.signal });
  controller.abort(reason);
  await assert.rejects(pending, (error) => error === reason);
  // The process is gone, not left running.
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(childProcessesRssMb(process.pid), 0);
});

test('a parser whose worker process dies does not live on', async () => {
  // The parser may be in a synchronous loop (pdf.js decoding a stream) that never lets it
  // notice its parent is gone; its guard thread must kill it anyway.
  const parent = spawn(process.execPath, [fileURLToPath(new URL('../support/sandbox-parent.js', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const parserPid = await new Promise<number>((resolve, reject) => {
    parent.stdout.on('data', (d: Buffer) => {
      const match = /parser (\d+)/.exec(d.toString());
      if (match) resolve(Number(match[1]));
    });
    parent.once('exit', () => reject(new Error('the stand-in worker exited early')));
  });
  await new Promise((r) => setTimeout(r, 500)); // parsing, growing
  assert.ok(rssMb(parserPid) > 0, 'the parser is running');
  parent.kill('SIGKILL');
  const deadline = Date.now() + 3000;
  while (rssMb(parserPid) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(rssMb(parserPid), 0, `parser ${parserPid} is gone`);
});
