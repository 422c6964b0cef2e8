/**
 * End to end, per supported format: upload through the real API, ingestion by a real
 * worker process, then the stored result checked through the API (document, chunks)
 * and directly in SQL (keyword and vector search over the tenant's embeddings).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, test } from 'node:test';
import { LocalEmbedder } from '../../libs/ai/embedding/local.embedder.js';
import { vectorLiteral } from '../../libs/database/embeddings/vector-literal.js';
import type { TenantDb } from '../../libs/database/tenant-db.js';
import type { TestApi, TestTenant } from '../support/api.js';
import { upload, uniqueText, waitForStatus } from '../support/documents.js';
import { makeDocx } from '../support/docx-fixtures.js';
import { makePdf } from '../support/pdf-fixtures.js';
import { useStack } from '../support/stack.js';
import type { WorkerProcess } from '../support/worker.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

let api: TestApi;
let worker: WorkerProcess;
let tenant: TestTenant;
let tenantDb: TenantDb;
let embedder: LocalEmbedder;
const stack = useStack({ prefix: 'formats', workers: 1, workerEnv: { RECONCILE_INTERVAL_MS: '1000' }, tenantDb: 2, tenants: ['fmt'] });
before(async () => {
  ({
    api,
    worker,
    tenantDb,
    tenants: [tenant],
  } = await stack.ready);
  // The same embedder the worker uses when no provider is configured (as in the tests).
  assert.equal(api.config.ai.embeddingProvider, 'local', 'these tests expect the offline embedder');
  embedder = new LocalEmbedder(api.config.ai.embeddingDimensions);
});

/** Letters only, so the token is one word for every tokenizer involved (tsvector, embedder, chunker). */
function randomWord(length = 10): string {
  return Array.from(randomBytes(length), (b) => String.fromCharCode(97 + (b % 26))).join('');
}

interface Chunk {
  id: string;
  index: number;
  content: string;
  pageFrom: number;
  pageTo: number;
  tokenCount: number;
  model: string;
}
interface Ingested {
  id: string;
  doc: any;
  chunks: Chunk[];
  bytes: Uint8Array;
  filename: string;
  query: string;
}

/** What each format test stored, for the duplicate and cross-document checks at the end. */
const ingested = new Map<string, Ingested>();

/**
 * Uploads (expects 202), waits for `ready`, and checks what holds for every format:
 * the chunk count matches the chunks route, indexes are dense, pages are in range.
 */
async function ingest(bytes: Uint8Array, filename: string): Promise<Omit<Ingested, 'query'>> {
  const res = await upload(api, tenant.adminKey, bytes, filename);
  assert.equal(res.status, 202, `upload of ${filename}: ${res.status} ${res.text}`);
  assert.equal(res.body.duplicate, false);
  assert.equal(res.body.status, 'queued');
  assert.equal(res.body.filename, filename);
  assert.equal(res.body.sizeBytes, bytes.length);

  const doc = await waitForStatus(api, tenant.adminKey, res.body.id, ['ready', 'failed'], 90_000).catch((e) => {
    throw new Error(`${e.message}\n--- worker log (tail) ---\n${worker.log.slice(-3000)}`);
  });
  assert.equal(doc.status, 'ready', `${filename} ended ${doc.status}: ${doc.error}`);
  assert.equal(doc.error, null);
  assert.equal(doc.progress, 100);

  const list = await api.request('GET', `/api/v1/documents/${doc.id}/chunks`, { token: tenant.adminKey });
  assert.equal(list.status, 200, list.text);
  const chunks: Chunk[] = list.body.items;
  assert.ok(chunks.length > 0, 'a ready document has chunks');
  assert.equal(doc.chunkCount, chunks.length, 'chunkCount equals the number of chunks served');
  chunks.forEach((c, i) => {
    assert.equal(c.index, i, 'chunk indexes are 0..n-1 in order');
    assert.ok(c.content.trim().length > 0, `chunk ${i} has text`);
    assert.ok(!c.content.includes('\u0000'), `chunk ${i} has no NUL`);
    assert.ok(
      c.pageFrom >= 1 && c.pageFrom <= c.pageTo && c.pageTo <= doc.pageCount,
      `chunk ${i} pages ${c.pageFrom}-${c.pageTo} within 1-${doc.pageCount}`,
    );
    assert.ok(c.tokenCount > 0 && c.tokenCount <= api.config.ingestion.chunkTokens, `chunk ${i} size ${c.tokenCount}`);
    assert.equal(c.model, api.config.ai.embeddingModel);
  });
  return { id: doc.id, doc, chunks, bytes, filename };
}

/** The tenant's chunks matching a keyword query, as {chunk id → document id}. */
async function keywordHits(query: string): Promise<Map<string, string>> {
  const rows: { id: string; document_id: string }[] = await tenantDb.runFor(tenant.id, (m) =>
    // Each chunk is parsed with the configuration it was indexed with (the tenant's, stored per chunk).
    m.query(`SELECT id, document_id FROM embeddings WHERE tsv @@ plainto_tsquery(search_config, $1)`, [query]),
  );
  return new Map(rows.map((r) => [r.id, r.document_id]));
}

/**
 * The tenant's documents of the chunks nearest to `text`, nearest first. Exact search
 * (no HNSW index scan): this checks the stored vectors, not the approximate index, whose
 * candidates under RLS could all belong to other tenants of the shared test database.
 */
async function nearestDocuments(text: string, k = 3): Promise<string[]> {
  const [vector] = await embedder.embed([text]);
  return tenantDb.runFor(tenant.id, async (m) => {
    await m.query(`SET LOCAL enable_indexscan = off`);
    const rows: { document_id: string }[] = await m.query(`SELECT document_id FROM embeddings ORDER BY embedding <=> $1::vector LIMIT $2`, [
      vectorLiteral(vector!),
      k,
    ]);
    return rows.map((r) => r.document_id);
  });
}

/** Keyword hits for `token` are exactly the chunks (per the API) whose content contains it. */
async function assertKeywordFinds(token: string, doc: { id: string; chunks: Chunk[] }) {
  const expected = doc.chunks
    .filter((c) => c.content.includes(token))
    .map((c) => c.id)
    .sort();
  assert.ok(expected.length > 0, `some chunk contains ${token}`);
  const hits = await keywordHits(token);
  assert.deepEqual([...hits.keys()].sort(), expected, `keyword search for ${token} finds exactly the chunks containing it`);
  assert.deepEqual([...new Set(hits.values())], [doc.id]);
}

async function assertVectorFindsFirst(query: string, id: string) {
  const nearest = await nearestDocuments(query);
  assert.ok(nearest.length > 0, 'the vector query returns rows');
  assert.equal(nearest[0], id, `nearest chunk for "${query.slice(0, 60)}…" belongs to the right document`);
}

// Each page has its own vocabulary, so the pages a chunk touches can be read off its words.
const PAGE_VOCABULARY = [
  ['orchard', 'apple', 'cider', 'harvest', 'blossom', 'pruning', 'ladder', 'basket', 'grafting', 'rootstock', 'pollen', 'beehive'],
  ['savanna', 'zebra', 'acacia', 'watering', 'migration', 'herd', 'stripes', 'grassland', 'predator', 'lioness', 'dust', 'wildebeest'],
  ['glacier', 'penguin', 'iceberg', 'tundra', 'blizzard', 'krill', 'floe', 'crevasse', 'aurora', 'sledge', 'walrus', 'frost'],
];
const LINES_PER_PAGE = 45; // ~650 tokens per page: several chunks at the default 500-token target

function pagesTouched(content: string): number[] {
  const pages = new Set<number>();
  for (const word of content.toLowerCase().split(/[^a-z-]+/)) {
    const page = PAGE_VOCABULARY.findIndex((v) => v.includes(word));
    if (page >= 0) pages.add(page + 1);
  }
  return [...pages].sort((a, b) => a - b);
}

test('a 3-page PDF named notes.txt is detected as PDF, chunked with the right page numbers, and searchable', async () => {
  const token = `zebracorn-${randomWord()}`;
  let tokenLine = '';
  const pages = PAGE_VOCABULARY.map((vocabulary, p) =>
    Array.from({ length: LINES_PER_PAGE }, (_, i) => {
      const words = Array.from({ length: 12 }, (_, k) => vocabulary[(i * 5 + k * 7) % vocabulary.length]!);
      if (p === 1 && i === Math.floor(LINES_PER_PAGE / 2)) {
        words.splice(6, 0, token);
        tokenLine = words.join(' ');
      }
      return words.join(' ') + '.';
    }).join('\n'),
  );
  const pdf = await ingest(makePdf(pages), 'notes.txt');
  const { doc, chunks } = pdf;

  assert.equal(doc.mimeType, 'application/pdf', 'type from the bytes, not the .txt name');
  assert.equal(doc.pageCount, 3);
  assert.ok(chunks.length >= 3, `a long 3-page PDF gives several chunks (got ${chunks.length})`);

  for (const c of chunks) {
    const touched = pagesTouched(c.content);
    assert.ok(touched.length > 0, `chunk ${c.index} holds page text`);
    assert.equal(c.pageFrom, touched[0], `chunk ${c.index} pageFrom (it holds words of pages ${touched.join(',')})`);
    assert.equal(c.pageTo, touched[touched.length - 1], `chunk ${c.index} pageTo (it holds words of pages ${touched.join(',')})`);
  }
  const covered = new Set(chunks.flatMap((c) => pagesTouched(c.content)));
  assert.deepEqual([...covered].sort(), [1, 2, 3], 'every page made it into some chunk');

  const withToken = chunks.filter((c) => c.content.includes(token));
  assert.ok(withToken.length >= 1, 'the page-2 token is in a chunk');
  for (const c of withToken) assert.ok(c.pageFrom <= 2 && 2 <= c.pageTo, `token chunk ${c.index} spans page 2 (${c.pageFrom}-${c.pageTo})`);
  const page3Only = chunks.filter((c) => pagesTouched(c.content).join() === '3');
  assert.ok(page3Only.length >= 1, 'some chunk holds only page-3 text');
  for (const c of page3Only) assert.deepEqual([c.pageFrom, c.pageTo], [3, 3], `page-3-only chunk ${c.index}`);

  await assertKeywordFinds(token, pdf);
  await assertVectorFindsFirst(tokenLine, pdf.id);
  ingested.set('pdf', { ...pdf, query: tokenLine });
});

test('a DOCX named contract.pdf is detected as DOCX, its paragraphs become searchable chunks', async () => {
  const token = `docxmarker-${randomWord()}`;
  const paragraphs = [
    'Maritime insurance policy for the cargo vessel Northern Star.',
    `The underwriter covers hull damage, salvage costs and reference ${token} for claims.`,
    'Premiums are payable quarterly to the brokerage in Rotterdam.',
  ];
  const docx = await ingest(makeDocx(paragraphs), 'contract.pdf');
  assert.equal(docx.doc.mimeType, DOCX);
  assert.equal(docx.doc.pageCount, 1, 'DOCX has no pages of its own: one page');
  const text = docx.chunks.map((c) => c.content).join('\n');
  for (const p of paragraphs) assert.ok(text.includes(p), `paragraph kept whole: ${p}`);
  for (const c of docx.chunks) assert.deepEqual([c.pageFrom, c.pageTo], [1, 1]);

  await assertKeywordFinds(token, docx);
  await assertVectorFindsFirst(paragraphs[1]!, docx.id);
  ingested.set('docx', { ...docx, query: paragraphs[1]! });
});

test('HTML named page.txt is detected as HTML; script text never reaches the chunks', async () => {
  const token = `htmlmarker-${randomWord()}`;
  const scriptSecret = `scriptleak-${randomWord()}`;
  const bodyText = `Honeybee colonies overwinter as a tight cluster around the queen, reference ${token}.`;
  const html = `<!doctype html>
<html><head><title>Beekeeping</title>
<script>var leaked = "${scriptSecret}"; console.log(leaked);</script>
<style>body { font-family: serif }</style></head>
<body>
<h1>Beekeeping handbook</h1>
<p>${bodyText}</p>
<script type="text/javascript">document.write("${scriptSecret} in body");</script>
<ul><li>Inspect frames weekly</li><li>Harvest honey in late summer</li></ul>
</body></html>`;
  const page = await ingest(new TextEncoder().encode(html), 'page.txt');
  assert.equal(page.doc.mimeType, 'text/html');
  assert.equal(page.doc.pageCount, 1);

  const text = page.chunks.map((c) => c.content).join('\n');
  assert.ok(text.includes(bodyText), 'paragraph text kept');
  assert.ok(text.includes('Beekeeping handbook'), 'heading text kept');
  assert.ok(text.includes('Inspect frames weekly') && text.includes('Harvest honey in late summer'), 'list items kept');
  assert.ok(!text.includes(scriptSecret), 'script content is not document text');
  assert.ok(!text.includes('console.log') && !text.includes('font-family'), 'no code or styles');
  assert.ok(!/<\/?(?:p|script|body|li|h1)\b/i.test(text), 'no markup left in chunks');

  assert.equal((await keywordHits(scriptSecret)).size, 0, 'script text is not searchable');
  await assertKeywordFinds(token, page);
  await assertVectorFindsFirst(bodyText, page.id);
  ingested.set('html', { ...page, query: bodyText });
});

test('Markdown named guide.txt is detected as Markdown; headings are kept and each section stays in one chunk', async () => {
  const token = `mdmarker-${randomWord()}`;
  const topics = ['volcano', 'lighthouse', 'telescope', 'monastery'];
  // ~300 tokens per section: two don't fit in one 500-token chunk.
  const sections = topics.map((topic, s) => {
    const paragraphs = Array.from({ length: 3 }, (_, p) =>
      Array.from({ length: 6 }, (_, k) => `The ${topic} note ${p}-${k} describes ${topic} matters at some length for readers.`).join(' '),
    );
    if (s === 2) paragraphs[1] += ` Reference ${token}.`;
    return `## Section ${s + 1}: ${topic}\n\n${paragraphs.join('\n\n')}`;
  });
  const md = await ingest(new TextEncoder().encode(sections.join('\n\n')), 'guide.txt');
  assert.equal(md.doc.mimeType, 'text/markdown');
  assert.equal(md.doc.pageCount, 1);

  const headingsPerChunk = md.chunks.map((c) => c.content.match(/^#{1,6} .*$/gm) ?? []);
  assert.deepEqual(
    headingsPerChunk.flat(),
    topics.map((t, s) => `## Section ${s + 1}: ${t}`),
    'every heading kept as a Markdown heading, in order, once',
  );
  for (const [i, headings] of headingsPerChunk.entries())
    assert.ok(headings.length <= 1, `chunk ${i} does not straddle sections: ${headings.join(' | ')}`);
  for (const section of sections) {
    assert.ok(
      md.chunks.some((c) => c.content.includes(section)),
      `section "${section.slice(0, 30)}" is whole in one chunk`,
    );
  }

  await assertKeywordFinds(token, md);
  const query = `The telescope note 1-2 describes telescope matters. Reference ${token}.`;
  await assertVectorFindsFirst(query, md.id);
  ingested.set('markdown', { ...md, query });
});

test('plain text named plain.md is detected as plain text and stored verbatim in a chunk', async () => {
  const token = `txtmarker-${randomWord()}`;
  const text = `${uniqueText('lighthouse keeping', 3)}\n\nThe keeper logs every passing ship, reference ${token}.`;
  const txt = await ingest(new TextEncoder().encode(text), 'plain.md');
  assert.equal(txt.doc.mimeType, 'text/plain');
  assert.equal(txt.doc.pageCount, 1);
  assert.equal(txt.chunks.length, 1, 'a short text is one chunk');
  assert.equal(txt.chunks[0]!.content, text);

  await assertKeywordFinds(token, txt);
  await assertVectorFindsFirst(text, txt.id);
  ingested.set('text', { ...txt, query: text });
});

test('UTF-16LE text with a BOM is decoded, not stored as bytes with NULs', async () => {
  const token = `utfmarker-${randomWord()}`;
  const text =
    `Crème brûlée in Zürich: naïve café owners serve smørrebrød and ½ portions, reference ${token}.\n\n` +
    'The façade of the Besançon bakery was renovated in 1998.';
  const bytes = new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
  const utf16 = await ingest(bytes, 'utf16.txt');
  assert.equal(utf16.doc.mimeType, 'text/plain');
  assert.equal(utf16.doc.pageCount, 1);
  assert.equal(utf16.chunks.length, 1);
  assert.equal(utf16.chunks[0]!.content, text.normalize('NFC'), 'decoded text, BOM dropped');

  await assertKeywordFinds(token, utf16);
  await assertVectorFindsFirst(text, utf16.id);
  ingested.set('utf16', { ...utf16, query: text });
});

test('the same bytes uploaded again answer 200 duplicate with the same document, and no second ingestion runs', async () => {
  const pdf = ingested.get('pdf');
  assert.ok(pdf, 'needs the PDF test to have run');
  const before = await api.request('GET', '/api/v1/documents?limit=100', { token: tenant.adminKey });
  assert.equal(before.status, 200);

  const again = await upload(api, tenant.adminKey, pdf.bytes, 'copy-of-notes.pdf');
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.duplicate, true);
  assert.equal(again.body.id, pdf.id);
  assert.equal(again.body.filename, pdf.filename, 'the existing document, not a new row');
  assert.equal(again.body.status, 'ready', 'not put back in the queue');
  assert.equal(again.body.chunkCount, pdf.doc.chunkCount);

  // Give a wrongly queued job (and the 1 s reconciler) time to run before looking.
  await new Promise((r) => setTimeout(r, 2_500));
  const doc = await api.request('GET', `/api/v1/documents/${pdf.id}`, { token: tenant.adminKey });
  assert.equal(doc.body.status, 'ready');
  assert.equal(doc.body.chunkCount, pdf.doc.chunkCount);
  assert.equal(doc.body.updatedAt, pdf.doc.updatedAt, 'the row was not touched again');
  const chunks = await api.request('GET', `/api/v1/documents/${pdf.id}/chunks`, { token: tenant.adminKey });
  assert.deepEqual(
    chunks.body.items.map((c: Chunk) => c.id),
    pdf.chunks.map((c) => c.id),
    'chunks not rewritten (ids unchanged)',
  );

  const [events] = await tenantDb.runFor(tenant.id, (m) =>
    m.query(
      `SELECT count(*) FILTER (WHERE stage = 'started')::int AS started, count(*)::int AS total FROM ingestion_events WHERE document_id = $1`,
      [pdf.id],
    ),
  );
  assert.equal(events.started, 1, 'one ingestion run only');
  const afterList = await api.request('GET', '/api/v1/documents?limit=100', { token: tenant.adminKey });
  assert.deepEqual(
    afterList.body.items.map((d: any) => d.id),
    before.body.items.map((d: any) => d.id),
    'no new document row',
  );
});

test('with every format stored, each document is still the nearest to its own text', async () => {
  assert.equal(ingested.size, 6, `all six format tests stored a document (got ${[...ingested.keys()].join(', ')})`);
  for (const [format, doc] of ingested) {
    const nearest = await nearestDocuments(doc.query, 1);
    assert.equal(nearest[0], doc.id, `${format}: its own text finds it first`);
  }
  assert.ok(worker.alive, 'the worker is still running');
});
