import type { Chunk, Citation, Hit } from './api.js';

/** "p. 3" or "pp. 3–5", and the section path where the format has headings. */
export function where(c: Pick<Chunk | Hit | Citation, 'pageFrom' | 'pageTo' | 'section'>): string {
  const pages = c.pageFrom === c.pageTo ? `p. ${c.pageFrom}` : `pp. ${c.pageFrom}–${c.pageTo}`;
  return c.section ? `${pages} · ${c.section}` : pages;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Splits text into plain and matched parts for every query term (3+ characters), case-insensitively. */
export function highlight(text: string, query: string): { text: string; hit: boolean }[] {
  const terms = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? [])];
  if (!terms.length) return [{ text, hit: false }];
  const re = new RegExp(`(${terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'giu');
  return text
    .split(re)
    .filter((part) => part !== '')
    .map((part) => ({ text: part, hit: terms.includes(part.toLowerCase()) }));
}

/** A text field of a submitted form ('' when absent; never a File). */
export function field(data: FormData, name: string): string {
  const v = data.get(name);
  return typeof v === 'string' ? v : '';
}
