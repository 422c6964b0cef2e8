import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IngestionError } from '../../libs/ingestion/ingestion.error.js';
import { parseInSandbox } from '../../libs/ingestion/parse-sandbox.js';
import { makeEncryptedPdf, makePdf } from '../support/pdf-fixtures.js';

const roomy = { maxPages: 1000, timeoutMs: 30_000, maxMemoryMb: 256 };

function isIngestionError(message: string, permanent: boolean) {
  return (error: unknown) => {
    assert.ok(error instanceof IngestionError, `expected IngestionError, got ${String(error)}`);
    assert.equal(error.message, message);
    assert.equal(error.permanent, permanent);
    return true;
  };
}

test('a document parses in the worker, page numbers intact', async () => {
  const pages = ['first page', 'second page', 'third page'];
  const document = await parseInSandbox(makePdf(pages), 'application/pdf', roomy);
  assert.deepEqual(
    document.pages,
    pages.map((text, i) => ({ pageNumber: i + 1, text })),
  );
});

test('the whole buffer is transferred to the worker, a view into a larger one is copied', async () => {
  const owned = makePdf(['moved']);
  await parseInSandbox(owned, 'application/pdf', roomy);
  assert.equal(owned.byteLength, 0, 'transferred, hence detached');

  const text = new TextEncoder().encode('xxxx some text xxxx');
  const view = text.subarray(5, 14);
  const document = await parseInSandbox(view, 'text/plain', roomy);
  assert.equal(document.pages[0]?.text, 'some text');
  assert.equal(text.byteLength, 19, 'the larger buffer stays with the caller');
});

test('ingestion errors cross the thread boundary as IngestionError', async () => {
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

test('a worker exceeding its heap limit is killed with a permanent error', async () => {
  // ~27 MB of text: the decoded string alone is beyond an 8 MB old generation.
  const huge = new TextEncoder().encode('lorem ipsum dolor '.repeat(1_500_000));
  await assert.rejects(
    parseInSandbox(huge, 'text/plain', { ...roomy, maxMemoryMb: 8 }),
    isIngestionError('parser ran out of memory', true),
  );
  const after = await parseInSandbox(new TextEncoder().encode('fine'), 'text/plain', roomy);
  assert.equal(after.pages[0]?.text, 'fine');
});

test('aborting terminates the parse with the signal reason', async () => {
  const controller = new AbortController();
  const reason = new Error('shutting down');
  const pending = parseInSandbox(makePdf(['x']), 'application/pdf', { ...roomy, signal: controller.signal });
  controller.abort(reason);
  await assert.rejects(pending, (error) => error === reason);
});
