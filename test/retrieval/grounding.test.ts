import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { NOTHING_FOUND } from '../../libs/ai/chat/local.chat.js';
import { createTenant, TestApi, type TestTenant } from '../support/api.js';
import { ingest } from '../support/corpus.js';
import { WorkerProcess } from '../support/worker.js';

// Issue 9: real documents (a manual page with navigation chrome, sections) through the real pipeline.
const env = { QUEUE_PREFIX: `grounding-${randomUUID().slice(0, 6)}`, CHUNK_TOKENS: '120', CHUNK_OVERLAP_TOKENS: '10' };
const nav = (title: string) => `<div class="navheader"><table summary="Navigation header"><tr><th colspan="5">${title}</th></tr>
  <tr><td><a accesskey="p" href="prev.html">Prev</a></td><td><a accesskey="u" href="up.html">Up</a></td><th>Indexes</th>
  <td><a accesskey="h" href="index.html">Home</a></td><td><a accesskey="n" href="next.html">Next</a></td></tr></table><hr /></div>`;
const para = (topic: string, n: number) =>
  Array.from(
    { length: n },
    (_, i) => `<p>Remark ${i + 1} about ${topic}: the planner considers it together with the statistics of the table.</p>`,
  ).join('\n');
const PAGE = `<!DOCTYPE html><html><head><title>11.8. Partial Indexes</title></head><body>${nav('11.8. Partial Indexes')}
<div class="sect1"><h2 class="title">11.8. Partial Indexes</h2>
<p>A partial index is an index built over a subset of a table; the subset is defined by a conditional expression
(called the predicate of the partial index). The index contains entries only for those table rows that satisfy the predicate.</p>
${para('predicates', 4)}
<div class="example"><h3>Example 11.1. Setting up a Partial Index to Exclude Common Values</h3>
<p>Suppose you are storing web server access logs in a database. Most accesses originate from the IP address range of your
organization but some are from elsewhere. If your searches by IP are primarily for outside accesses, you probably do not
need to index the IP range that corresponds to your organization's subnet.</p>
<pre class="programlisting">CREATE INDEX access_log_client_ip_ix ON access_log (client_ip)
WHERE NOT (client_ip &gt; inet '192.168.100.0' AND client_ip &lt; inet '192.168.100.255');</pre>
${para('access logs', 3)}</div></div>
<div class="navfooter"><table summary="Navigation footer"><tr><td><a href="prev.html">Prev</a></td><td><a href="up.html">Up</a></td><td><a href="next.html">Next</a></td></tr>
<tr><td>11.7. Indexes on Expressions</td><td><a href="index.html">Home</a></td><td>11.9. Index-Only Scans</td></tr></table></div></body></html>`;
const filler = (topic: string) =>
  Array.from({ length: 4 }, (_, i) => `Note ${i + 1} on ${topic}: keep the operations log up to date and tell the team.`).join(' ');
const MARKDOWN =
  `# Backup guide\n\n${filler('the guide')}\n\n## Restoring\n\nTo restore a dump, run psql with the dump file as input on an empty database. ${filler('restores')}\n\n` +
  `## Scheduling\n\nNightly dumps run from cron at two in the morning. ${filler('schedules')}`;

let api: TestApi;
let worker: WorkerProcess;
let t: TestTenant;
let simple: TestTenant;

before(async () => {
  api = await TestApi.start(env);
  worker = await WorkerProcess.start(env);
  [t, simple] = await Promise.all([createTenant(api, 'grounding'), createTenant(api, 'grounding-simple', { searchLanguage: 'simple' })]);
  await ingest(api, t, { 'indexes-partial.html': PAGE, 'backup.md': MARKDOWN });
  await ingest(api, simple, { 'indexes-partial.html': PAGE });
});
after(async () => {
  await worker.stop();
  await api.close();
});

const search = async (tenant: TestTenant, query: string, mode: string, topK = 5) => {
  const res = await api.request('POST', '/api/v1/search', { token: tenant.adminKey, json: { query, mode, topK } });
  assert.equal(res.status, 200, res.text);
  return res.body.items as { filename: string; content: string; section: string | null; pageFrom: number }[];
};
const chat = async (tenant: TestTenant, content: string) => {
  const conv = (await api.request('POST', '/api/v1/conversations', { token: tenant.adminKey, json: {} })).body.id as string;
  const res = await api.request('POST', `/api/v1/conversations/${conv}/messages`, { token: tenant.adminKey, json: { content } });
  assert.equal(res.status, 201, res.text);
  return res.body as { content: string; metadata: { citations: { filename: string; section: string | null }[] } };
};

describe('grounding on a manual page', () => {
  test('no navigation chrome in any chunk; chunks carry their heading path', async () => {
    const docs = (await api.request('GET', '/api/v1/documents', { token: t.adminKey })).body.items as { id: string; filename: string }[];
    const page = docs.find((d) => d.filename === 'indexes-partial.html')!;
    const chunks = (await api.request('GET', `/api/v1/documents/${page.id}/chunks`, { token: t.adminKey })).body.items as {
      content: string;
      section: string;
    }[];
    assert.ok(chunks.length >= 2, `${chunks.length} chunks`);
    for (const c of chunks) {
      assert.ok(!/\bPrev\b|\bNext\b|\bHome\b/.test(c.content), `navigation in a chunk: ${c.content.slice(0, 120)}`);
      assert.match(c.section, /^11\.8\. Partial Indexes/);
    }
    assert.ok(
      chunks.some((c) => c.section === '11.8. Partial Indexes › Example 11.1. Setting up a Partial Index to Exclude Common Values'),
      chunks.map((c) => c.section).join(' | '),
    );
  });

  test('keyword search answers a natural question (OR-ed words, stop words dropped, stemming), with the section', async () => {
    for (const q of [
      'How do I create a partial index?',
      'what are the predicates of partial indexes',
      'Can I index only some of the rows of a table?',
    ]) {
      const items = await search(t, q, 'keyword');
      assert.ok(items.length > 0, `no keyword rows for "${q}"`);
      assert.equal(items[0]!.filename, 'indexes-partial.html', q);
      assert.match(items[0]!.section ?? '', /Partial Indexes/);
    }
    // Markdown sections too; and a tenant on `simple` still gets rows for a question.
    const md = await search(t, 'how do I restore a dump?', 'keyword');
    assert.equal(md[0]?.filename, 'backup.md');
    assert.equal(md[0]?.section, 'Backup guide › Restoring');
    assert.ok((await search(simple, 'How do I create a partial index?', 'keyword')).length > 0, 'simple config: rows for a question');
  });

  test('quoted phrases are required and -exclusions exclude', async () => {
    assert.equal((await search(t, '"partial index" -access', 'keyword', 20)).filter((h) => /access/i.test(h.content)).length, 0);
    assert.equal((await search(t, '"index partial backwards"', 'keyword')).length, 0, 'a phrase nobody wrote matches nothing');
    assert.ok((await search(t, '"conditional expression"', 'keyword')).length > 0);
  });

  test('a question with only stop words or punctuation is an empty result, not an error', async () => {
    assert.deepEqual(await search(t, 'how do I ... ?', 'keyword'), []);
  });

  test('chat: the citation names the section, the answer quotes the matching sentence and no navigation', async () => {
    const msg = await chat(t, 'How do I exclude common values from a partial index of the access log?');
    assert.ok(msg.metadata.citations.length > 0, msg.content);
    for (const c of msg.metadata.citations) assert.match(c.section ?? '', /Partial Indexes/, JSON.stringify(c));
    assert.match(msg.content, /indexes-partial\.html, 11\.8\. Partial Indexes/);
    assert.doesNotMatch(msg.content, /\bPrev\b|\bHome\b|p\. 1/);
    assert.match(msg.content, /access/i);
  });

  test('chat: a question the documents do not answer gets "nothing relevant found" and no citations', async () => {
    for (const q of ['What is a good recipe for sourdough bread?', 'Who won the football world cup in 1998?']) {
      const msg = await chat(t, q);
      assert.equal(msg.content, NOTHING_FOUND, q);
      assert.deepEqual(msg.metadata.citations, []);
    }
  });
});
