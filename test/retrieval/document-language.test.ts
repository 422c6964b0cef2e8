import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { createTenant, TestApi, type TestTenant } from '../support/api.js';
import { ingest } from '../support/corpus.js';
import { superClient } from '../support/db.js';
import { WorkerProcess } from '../support/worker.js';

// Issue 9: a tenant's documents in several languages, each indexed with its own detected text search configuration.
const env = { QUEUE_PREFIX: `language-${randomUUID().slice(0, 6)}` };

// "Haus" (singular) only: the question asks for "Häuser", which only German stemming makes the same lexeme.
const GERMAN = [
  'Das Haus am Fluss wurde im neunzehnten Jahrhundert von einer Kaufmannsfamilie gebaut und steht heute unter Denkmalschutz.',
  'Wer das Gebäude besichtigen möchte, meldet sich beim Fremdenverkehrsamt der Stadt an; Führungen finden jeden Samstag statt.',
  'Die Fassade wurde vor zehn Jahren erneuert, wobei die ursprünglichen Farben aus alten Zeichnungen rekonstruiert wurden.',
  'Im Erdgeschoss befindet sich ein kleines Museum, das die Geschichte der Schifffahrt auf dem Fluss und des Handels zeigt.',
  'Der Garten hinter dem Gebäude ist im Sommer für Besucher geöffnet und wird von einem Verein ehrenamtlich gepflegt.',
  'Für Menschen mit eingeschränkter Mobilität gibt es einen Aufzug, der alle Stockwerke des alten Gebäudes verbindet.',
].join(' ');
const ENGLISH = [
  'The lighthouse on the northern cape was built in the nineteenth century and guided ships through the narrow channel.',
  'Visitors can climb the spiral staircase to the lantern room, which offers a view across the whole bay on clear days.',
  'The keepers lived in the small cottages next to the tower and recorded the weather in logbooks that survive today.',
  'Since the light was automated, a volunteer society maintains the buildings and opens them to the public in summer.',
  'Guided tours start every hour from the visitor centre, and tickets can be bought at the entrance or reserved online.',
].join(' ');

let api: TestApi;
let worker: WorkerProcess;
let db: pg.Client;
let mixed: TestTenant;
let other: TestTenant;
let ids: Record<string, string>;

before(async () => {
  api = await TestApi.start(env);
  worker = await WorkerProcess.start(env);
  db = await superClient();
  [mixed, other] = await Promise.all([createTenant(api, 'lang-mixed'), createTenant(api, 'lang-other', { searchLanguage: 'german' })]);
  ids = await ingest(api, mixed, { 'haus.txt': GERMAN, 'lighthouse.txt': ENGLISH });
  await ingest(api, other, { 'leuchtturm.txt': ENGLISH.replace(/lighthouse/g, 'tower') });
});
after(async () => {
  await db.end();
  await worker.stop();
  await api.close();
});

const search = async (tenant: TestTenant, query: string, mode = 'keyword') => {
  const res = await api.request('POST', '/api/v1/search', { token: tenant.adminKey, json: { query, mode, topK: 5 } });
  assert.equal(res.status, 200, res.text);
  return res.body.items as { filename: string; documentId: string }[];
};

test("each document is indexed with its detected language's configuration, stored on the document and its chunks", async () => {
  const { rows } = await db.query<{ id: string; doc: string; chunks: string[] }>(
    `SELECT d.id, d.search_config::text AS doc, array_agg(DISTINCT e.search_config::text) AS chunks
     FROM documents d JOIN embeddings e ON e.tenant_id = d.tenant_id AND e.document_id = d.id
     WHERE d.tenant_id = $1 GROUP BY d.id, d.search_config`,
    [mixed.id],
  );
  const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
  assert.equal(byId[ids['haus.txt']!]?.doc, 'german');
  assert.deepEqual(byId[ids['haus.txt']!]?.chunks, ['german']);
  assert.equal(byId[ids['lighthouse.txt']!]?.doc, 'english');
  assert.deepEqual(byId[ids['lighthouse.txt']!]?.chunks, ['english']);
  // A tenant's fixed searchLanguage overrides detection: English text indexed as German.
  const { rows: fixed } = await db.query(`SELECT DISTINCT search_config::text AS cfg FROM documents WHERE tenant_id = $1`, [other.id]);
  assert.deepEqual(
    fixed.map((r) => r.cfg),
    ['german'],
  );
});

test('a German question finds the German document by its stemmed words; an English one the English document', async () => {
  for (const mode of ['keyword', 'hybrid']) {
    const de = await search(mixed, 'Welche Häuser stehen unter Denkmalschutz?', mode);
    assert.equal(de[0]?.filename, 'haus.txt', `${mode}: ${JSON.stringify(de.map((h) => h.filename))}`);
    const en = await search(mixed, 'Who lived in the cottages next to the lighthouses?', mode);
    assert.equal(en[0]?.filename, 'lighthouse.txt', `${mode}: ${JSON.stringify(en.map((h) => h.filename))}`);
  }
  // "Häuser" alone: only the German reading ('haus') matches; the English one ('häuser') is in no chunk.
  assert.deepEqual(
    (await search(mixed, 'Häuser')).map((h) => h.filename),
    ['haus.txt'],
  );
});

test("another tenant's documents stay out of reach, whatever their language", async () => {
  assert.deepEqual(await search(other, 'Häuser Denkmalschutz Fremdenverkehrsamt'), []);
  assert.ok(!(await search(mixed, 'tower spiral staircase lantern')).some((h) => h.filename === 'leuchtturm.txt'));
});
