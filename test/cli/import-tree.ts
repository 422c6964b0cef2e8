import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeDocx, makeZip } from '../support/docx-fixtures.js';
import { makeEncryptedPdf, makePdf, truncate } from '../support/pdf-fixtures.js';

/** What the generated tree holds, for the assertions. */
export interface TreeFacts {
  /** Files with distinct bytes that the API ingests. */
  good: number;
  /** Files with distinct bytes that the API accepts but cannot ingest, by path → reason. */
  broken: Record<string, string>;
  /** Copies (same bytes) of files elsewhere in the tree. */
  duplicates: number;
  /** Skipped as unsupported: by name, by content, or by the server's 415. */
  unsupported: number;
  empty: number;
  /** Under drafts/ (excluded by the test's --exclude) or hidden. */
  excluded: number;
  /** Every file written. */
  total: number;
  /** A few good files' paths, to check the folders they land in. */
  samples: string[];
}

const SECTIONS = ['guides', 'guides/pumps', 'guides/valves/2024', 'notes', ''];

/**
 * ~200 small files in nested directories: Markdown, text, HTML, PDF and DOCX documents;
 * copies of some of them; images, archives, binary data behind a text name and a ZIP
 * named .docx; broken PDFs (corrupt, truncated, encrypted); an empty file; an excluded
 * drafts/ directory and hidden files. `tag` makes the bytes unique to one tenant's test.
 */
export function writeTree(root: string, tag: string): TreeFacts {
  const facts: TreeFacts = { good: 0, broken: {}, duplicates: 0, unsupported: 0, empty: 0, excluded: 0, total: 0, samples: [] };
  const write = (rel: string, bytes: Uint8Array | string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), bytes);
    facts.total++;
  };
  const text = (i: number) =>
    `Maintenance note ${i} (${tag}). Unit ${i} is descaled every ${(i % 9) + 2} weeks; the seal kit is part ${1000 + i}.`;
  const good: string[] = [];
  for (let i = 0; i < 150; i++) {
    const dir = SECTIONS[i % SECTIONS.length]!;
    const at = (name: string) => (dir ? `${dir}/${name}` : name);
    let rel: string;
    if (i % 25 === 3) write((rel = at(`manual-${i}.pdf`)), makePdf([text(i), `Page two of manual ${i}.`]));
    else if (i % 25 === 7) write((rel = at(`memo-${i}.docx`)), makeDocx([`## Memo ${i}`, text(i)]));
    else if (i % 10 === 1)
      write(
        (rel = at(`page-${i}.html`)),
        `<!doctype html><html><head><title>Page ${i}</title></head><body><h1>Page ${i}</h1><p>${text(i)}</p></body></html>`,
      );
    else if (i % 10 === 2) write((rel = at(`readme-${i}.txt`)), `${text(i)}\n\nPlain text, no markup.\n`);
    else write((rel = at(`note-${i}.md`)), `# Note ${i}\n\n${text(i)}\n\n- step one\n- step two\n`);
    good.push(rel);
  }
  facts.good = good.length;
  facts.samples = good.slice(1, 5); // none of them copied (copies are of good[0], good[7], ...): their own folders

  // Copies: the same bytes under another name and directory (one of them with another ending).
  for (let i = 0; i < 20; i++) {
    const original = good[i * 7]!;
    const name = original.split('/').pop()!;
    write(i === 0 ? `copies/${name.replace(/\.\w+$/, '.txt')}` : `copies/copy-${i}-${name}`, readBack(root, original));
    facts.duplicates++;
  }

  // Unsupported by name, by content (a .txt full of binary), and by the server (a ZIP called .docx).
  for (let i = 0; i < 8; i++) write(`images/photo-${i}.png`, noise(200 + i, i));
  for (let i = 0; i < 4; i++) write(`archives/bundle-${i}.zip`, makeZip({ [`file-${i}.txt`]: `${tag} ${i}` }));
  for (let i = 0; i < 2; i++) write(`notes/binary-${i}.txt`, noise(300, 40 + i));
  write('notes/not-really.docx', makeZip({ 'content.xml': `<x>${tag}</x>` }));
  facts.unsupported = 8 + 4 + 2 + 1;

  // Broken documents: the API takes them (they look like PDFs), ingestion fails with a reason.
  facts.broken = {
    'broken/corrupt-1.pdf': 'corrupt PDF',
    'broken/corrupt-2.pdf': 'corrupt PDF',
    'broken/truncated.pdf': 'corrupt PDF',
    'broken/locked.pdf': 'encrypted PDF',
  };
  write('broken/corrupt-1.pdf', `%PDF-1.4\n${tag} this is not a PDF body at all\n`);
  write('broken/corrupt-2.pdf', `%PDF-1.7\n1 0 obj << /Type /Catalog >>\n${tag}\n`);
  write('broken/truncated.pdf', truncate(makePdf([`${tag} truncated`, 'page two']), 0.5));
  write('broken/locked.pdf', makeEncryptedPdf());

  write('notes/empty.md', '');
  facts.empty = 1;
  for (let i = 0; i < 5; i++) write(`drafts/draft-${i}.md`, `# Draft ${i}\n\n${tag} not for import\n`);
  write('.hidden-note.md', `# Hidden\n\n${tag}\n`);
  write('notes/.cache/state.md', `# Cached\n\n${tag}\n`);
  facts.excluded = 7;
  return facts;
}

/** `length` bytes that are neither text nor any known format. */
function noise(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = (x >>> 16) & 0xff;
  }
  bytes[0] = 0x89; // PNG-like first byte, and a NUL soon after: binary to any text sniffer
  bytes[1] = 0x00;
  return bytes;
}

const readBack = (root: string, rel: string): Uint8Array => readFileSync(join(root, rel));
