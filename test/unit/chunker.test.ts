import assert from 'node:assert/strict';
import { test } from 'node:test';
// Counted with the library directly, independently of the chunker's own wrapper.
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import { chunkPages, joinPages, PAGE_SEPARATOR, type Chunk, type PageText } from '../../libs/ingestion/chunker.js';

const tokens = (text: string) => countTokens(text, { disallowedSpecial: new Set() });

/** Varied sentences (a tiny deterministic generator) so token counts aren't uniform. */
function sentences(topic: string, count: number, seed = 1): string {
  const verbs = ['describes', 'explains', 'mentions', 'compares', 'summarises', 'questions'];
  const things = ['the budget', 'several risks', 'a long and detailed timeline', 'the team', 'customer feedback'];
  const out: string[] = [];
  let x = seed;
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const extra = ' and more words'.repeat(x % 4);
    out.push(`Sentence ${i} about ${topic} ${verbs[x % verbs.length]} ${things[(x >> 8) % things.length]}${extra}.`);
  }
  return out.join(' ');
}

const threePages: PageText[] = [
  { pageNumber: 1, text: `# Introduction\n\n${sentences('apples', 25, 1)}\n\n${sentences('pears', 20, 2)}` },
  { pageNumber: 2, text: `## Middle part\n${sentences('bananas', 40, 3)}` },
  { pageNumber: 3, text: `${sentences('cherries', 15, 4)}\n\n# Conclusion\n\nThat is all.` },
];
const options = { targetTokens: 200, overlapTokens: 30 };

/** The page of an offset in the joined text, computed independently from page lengths. */
function pageAt(pages: PageText[], offset: number): number {
  let start = 0;
  for (const page of pages) {
    const end = start + page.text.length + PAGE_SEPARATOR.length;
    if (offset < end) return page.pageNumber;
    start = end;
  }
  throw new Error(`offset ${offset} beyond the document`);
}

test('same input, identical output', () => {
  const a = chunkPages(threePages, options);
  const b = chunkPages(structuredClone(threePages), { ...options });
  assert.ok(a.length > 3);
  assert.deepEqual(a, b);
});

test('every chunk is the slice of the joined text its offsets name', () => {
  const joined = joinPages(threePages);
  assert.equal(joined, threePages.map((p) => p.text).join('\n\n'));
  for (const chunk of chunkPages(threePages, options)) {
    assert.equal(joined.slice(chunk.charStart, chunk.charEnd), chunk.content, `chunk ${chunk.index}`);
  }
});

test('indexes are sequential and no chunk is empty or padded with whitespace', () => {
  const chunks = chunkPages(threePages, options);
  chunks.forEach((chunk, i) => {
    assert.equal(chunk.index, i);
    assert.ok(chunk.content.length > 0);
    assert.equal(chunk.content, chunk.content.trim());
  });
});

test('token counts are real and within the target', () => {
  for (const chunk of chunkPages(threePages, options)) {
    assert.equal(chunk.tokenCount, tokens(chunk.content), `chunk ${chunk.index}`);
    assert.ok(chunk.tokenCount <= options.targetTokens, `chunk ${chunk.index} has ${chunk.tokenCount} tokens`);
  }
});

test('chunks are reasonably full: greedy packing, not one sentence each', () => {
  const chunks = chunkPages(threePages, options);
  const total = tokens(joinPages(threePages));
  // With 30 tokens of overlap each chunk adds ≥ ~70 new tokens (half-full rule) — far fewer chunks than sentences.
  assert.ok(chunks.length <= Math.ceil(total / ((options.targetTokens - options.overlapTokens) / 2)));
  const middle = chunks.slice(0, -1);
  const average = middle.reduce((sum, c) => sum + c.tokenCount, 0) / middle.length;
  assert.ok(average > options.targetTokens * 0.6, `average ${average}`);
});

test('consecutive chunks overlap by at most overlapTokens, on a sentence or word start', () => {
  const chunks = chunkPages(threePages, options);
  const joined = joinPages(threePages);
  for (let i = 1; i < chunks.length; i++) {
    const [previous, next] = [chunks[i - 1]!, chunks[i]!];
    if (next.content.startsWith('#')) {
      // A chunk that starts a section starts at its heading: nothing of the previous section is repeated.
      assert.ok(next.charStart >= previous.charEnd, `chunk ${i} starts a section without overlap`);
      continue;
    }
    assert.ok(next.charStart < previous.charEnd, `chunk ${i} overlaps its predecessor`);
    assert.ok(next.charStart > previous.charStart, `chunk ${i} moves forward`);
    const shared = joined.slice(next.charStart, previous.charEnd);
    assert.ok(previous.content.endsWith(shared) && next.content.startsWith(shared));
    assert.ok(tokens(shared) <= options.overlapTokens, `overlap of ${tokens(shared)} tokens`);
    assert.match(joined[next.charStart - 1]!, /\s/, 'overlap starts at a word boundary');
  }
});

test('without overlap, chunks tile the text', () => {
  const chunks = chunkPages(threePages, { targetTokens: 200, overlapTokens: 0 });
  for (let i = 1; i < chunks.length; i++) {
    assert.ok(chunks[i]!.charStart >= chunks[i - 1]!.charEnd);
  }
});

test('all text is covered', () => {
  const joined = joinPages(threePages);
  const covered = new Uint8Array(joined.length);
  for (const chunk of chunkPages(threePages, options)) covered.fill(1, chunk.charStart, chunk.charEnd);
  for (let i = 0; i < joined.length; i++) {
    if (!covered[i]) assert.match(joined[i]!, /\s/, `character ${i} is not in any chunk`);
  }
});

test('page ranges of a 3-page document', () => {
  const chunks = chunkPages(threePages, options);
  for (const chunk of chunks) {
    assert.equal(chunk.pageFrom, pageAt(threePages, chunk.charStart), `chunk ${chunk.index} pageFrom`);
    assert.equal(chunk.pageTo, pageAt(threePages, chunk.charEnd - 1), `chunk ${chunk.index} pageTo`);
    assert.ok(chunk.pageFrom <= chunk.pageTo);
  }
  assert.equal(chunks[0]!.pageFrom, 1);
  assert.equal(chunks.at(-1)!.pageTo, 3);
  // Every page is touched, and some chunk spans a page break.
  const touched = new Set(chunks.flatMap((c) => [c.pageFrom, c.pageTo]));
  assert.deepEqual([...touched].sort(), [1, 2, 3]);
  assert.ok(chunks.some((c) => c.pageFrom !== c.pageTo));
  // Topic words only appear in chunks that include their page.
  for (const chunk of chunks.filter((c) => c.content.includes('bananas'))) {
    assert.ok(chunk.pageFrom <= 2 && chunk.pageTo >= 2);
  }
});

test('page numbers come from the pages, not their positions', () => {
  const pages = [
    { pageNumber: 7, text: sentences('x', 30) },
    { pageNumber: 9, text: sentences('y', 30) },
  ];
  const chunks = chunkPages(pages, options);
  assert.equal(chunks[0]!.pageFrom, 7);
  assert.equal(chunks.at(-1)!.pageTo, 9);
});

test('sections that fit are not cut through: chunks end where a heading begins', () => {
  // Five sections of 110–170 tokens: two never fit into 200, so every chunk should be one section.
  const section = (name: string, seed: number) => {
    let count = 1;
    while (tokens(sentences(name, count, seed)) < 110) count++;
    return `## ${name}\n\n${sentences(name, count, seed)}`;
  };
  const sections = ['Alpha', 'Beta', 'Gamma', 'Delta', 'Epsilon'].map((name, i) => section(name, i + 10));
  for (const s of sections) assert.ok(tokens(s) > 100 && tokens(s) < 170, `section of ${tokens(s)} tokens`);
  const pages = [{ pageNumber: 1, text: sections.join('\n\n') }];
  const joined = joinPages(pages);
  const chunks = chunkPages(pages, options);
  for (const chunk of chunks) {
    const after = joined.slice(chunk.charEnd).trimStart();
    assert.ok(after === '' || after.startsWith('## '), `chunk ${chunk.index} ends mid-section`);
  }
  assert.equal(chunks.length, sections.length);
});

test('a chunk ends early at a heading or paragraph end rather than running on into the next one', () => {
  // First block of 110–150 tokens, then a long block greedy packing would start filling the chunk with.
  const block = (topic: string, seed: number, min: number) => {
    let count = 1;
    while (tokens(sentences(topic, count, seed)) < min) count++;
    return sentences(topic, count, seed);
  };
  const first = block('first', 21, 110);
  const long = block('second', 22, 400);
  for (const [separator, kind] of [
    ['\n\n# Next\n\n', 'heading'],
    ['\n\n', 'paragraph'],
  ] as const) {
    const pages = [{ pageNumber: 1, text: first + separator + long }];
    const chunks = chunkPages(pages, options);
    assert.equal(chunks[0]!.content, first, `${kind}: first chunk is exactly the first block`);
    const greedy = tokens(first) + tokens(separator) + tokens(long.slice(0, long.indexOf('.') + 1));
    assert.ok(greedy <= options.targetTokens, 'greedy packing would have crossed the boundary');
  }
});

test('a sentence longer than the target is split, and still bounded', () => {
  const longSentence = Array.from({ length: 600 }, (_, i) => `word${i}`).join(' ');
  const blob = 'QUJD' + 'ZGVmZ2hpamtsbW5vcA'.repeat(400); // a base64-like run with no spaces
  const pages = [{ pageNumber: 1, text: `Short intro. ${longSentence}. ${blob} Short outro.` }];
  const joined = joinPages(pages);
  const chunks = chunkPages(pages, options);
  assert.ok(chunks.length > 4);
  for (const chunk of chunks) {
    assert.ok(chunk.tokenCount <= options.targetTokens);
    assert.equal(chunk.tokenCount, tokens(chunk.content));
    assert.equal(joined.slice(chunk.charStart, chunk.charEnd), chunk.content);
  }
  assert.ok(chunks.at(-1)!.content.endsWith('Short outro.'));
});

test('a single long unbroken run is chunked quickly', () => {
  const pages = [{ pageNumber: 1, text: 'start ' + 'abcdefghijklmnopqrstuvwxyz'.repeat(40_000) + ' end' }];
  const started = performance.now();
  const chunks = chunkPages(pages);
  assert.ok(performance.now() - started < 5000, 'BPE never sees the whole run');
  assert.ok(chunks.every((c) => c.tokenCount <= 500 && c.tokenCount > 0));
});

test('special-token strings in documents are plain text', () => {
  const chunks = chunkPages([{ pageNumber: 1, text: 'Before <|endoftext|> after <|im_start|>.' }]);
  assert.equal(chunks.length, 1);
  assert.equal(chunks[0]!.tokenCount, tokens(chunks[0]!.content));
});

test('empty and whitespace-only documents give no chunks; a short one gives one', () => {
  assert.deepEqual(chunkPages([]), []);
  assert.deepEqual(
    chunkPages([
      { pageNumber: 1, text: '' },
      { pageNumber: 2, text: '  \n ' },
    ]),
    [],
  );
  const only: Chunk[] = chunkPages([
    { pageNumber: 1, text: '' },
    { pageNumber: 2, text: 'Hello.' },
  ]);
  assert.deepEqual(only, [
    { index: 0, content: 'Hello.', pageFrom: 2, pageTo: 2, charStart: 2, charEnd: 8, tokenCount: tokens('Hello.'), section: null },
  ]);
});

test('invalid options are rejected', () => {
  assert.throws(() => chunkPages(threePages, { targetTokens: 0 }), RangeError);
  assert.throws(() => chunkPages(threePages, { targetTokens: 100, overlapTokens: 60 }), RangeError);
  assert.throws(() => chunkPages(threePages, { overlapTokens: -1 }), RangeError);
});

test('chunks carry the heading path of the section they start in; equal consecutive titles collapse', () => {
  const doc: PageText[] = [
    {
      pageNumber: 1,
      text:
        `# CREATE SEQUENCE\n\n## CREATE SEQUENCE\n\nCREATE SEQUENCE — define a new sequence generator.\n\n## Parameters\n\n${sentences('increments', 30, 5)}\n\n` +
        `### CACHE\n\n${sentences('caching', 30, 6)}\n\n## Notes\n\n\`\`\`\n# not a heading\n\`\`\`\n\n${sentences('notes', 25, 7)}`,
    },
  ];
  const chunks = chunkPages(doc, { targetTokens: 200, overlapTokens: 30 });
  assert.equal(chunks[0]!.section, 'CREATE SEQUENCE');
  const sections = new Set(chunks.map((c) => c.section));
  for (const s of ['CREATE SEQUENCE › Parameters', 'CREATE SEQUENCE › Parameters › CACHE', 'CREATE SEQUENCE › Notes'])
    assert.ok(sections.has(s), `${s} in ${[...sections].join(' | ')}`);
  assert.ok(![...sections].some((s) => s?.includes('not a heading')), 'a "#" line in a fenced code block is not a heading');
  // Each chunk's section is where its own content starts, and no chunk reaches back into the previous section.
  for (const c of chunks) {
    if (c.section === 'CREATE SEQUENCE › Notes') assert.ok(!c.content.includes('caching'), 'no overlap across a section start');
  }
});

test('a section of a fifth of the target or more starts a new chunk; smaller ones are packed together', () => {
  const small = `# Guide\n\n## A\n\nShort one.\n\n## B\n\nShort two.\n\n## C\n\n${sentences('long', 60, 8)}`;
  const chunks = chunkPages([{ pageNumber: 1, text: small }], { targetTokens: 200, overlapTokens: 20 });
  assert.ok(chunks[0]!.content.includes('Short one.') && chunks[0]!.content.includes('Short two.'), 'small sections share a chunk');
  const big = `# Guide\n\n## A\n\n${sentences('alpha', 8, 9)}\n\n## B\n\n${sentences('beta', 8, 10)}\n\n## C\n\n${sentences('gamma', 60, 11)}`;
  const bigChunks = chunkPages([{ pageNumber: 1, text: big }], { targetTokens: 200, overlapTokens: 20 });
  assert.ok(
    bigChunks.some((c) => c.content.startsWith('## B') && c.section === 'Guide › B'),
    bigChunks.map((c) => `${c.section}: ${c.content.slice(0, 30)}`).join('\n'),
  );
});

test('section titles lose Markdown emphasis but keep identifiers', () => {
  const [c] = chunkPages([{ pageNumber: 1, text: '# 37.34. **referential_constraints** `view`\n\nText.' }]);
  assert.equal(c!.section, '37.34. referential_constraints view');
});

test('text without headings has no section', () => {
  assert.deepEqual(
    chunkPages(threePages.slice(2, 3).map((p) => ({ ...p, text: sentences('plain', 10) }))).map((c) => c.section),
    [null],
  );
});

test('small closing sections join the chunk before them; a closing section of a fifth of the target or more stays its own', () => {
  // More than target − overlap tokens in all, so the text is cut into units at its headings.
  const opts = { targetTokens: 200, overlapTokens: 60 };
  const body = `# DROP WIDGET\n\n## Description\n\n${sentences('widgets', 12, 12)}`;
  const tail = '\n\n## Compatibility\n\nAn extension.\n\n## See Also\n\nCREATE WIDGET, ALTER WIDGET';
  const size = (t: string) => tokens(body + t);
  assert.ok(size(tail) > 140 && size(tail) <= 200 && tokens(tail) < 40, `${tokens(body)} + ${tokens(tail)} tokens`);
  const joined = chunkPages([{ pageNumber: 1, text: body + tail }], opts);
  assert.equal(joined.length, 1, joined.map((c) => `${c.section}: ${c.content.slice(0, 40)}`).join('\n'));
  assert.ok(joined[0]!.content.endsWith('CREATE WIDGET, ALTER WIDGET'));
  // A closing section that can stand alone (40 tokens of 200 or more) is still cut at its heading.
  const longTail = `\n\n## Notes\n\n${sentences('notes', 4, 13)}`;
  assert.ok(tokens(longTail) >= 40 && size(longTail) <= 200, `${tokens(body)} + ${tokens(longTail)} tokens`);
  const cut = chunkPages([{ pageNumber: 1, text: body + longTail }], opts);
  assert.deepEqual(
    cut.map((c) => c.section),
    ['DROP WIDGET', 'DROP WIDGET › Notes'],
  );
});
