import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { DocumentStatus } from '#libs/database/entities/document.entity.js';

/** What an earlier run learnt about some bytes: the document the server made of them. */
export interface KnownDocument {
  documentId: string;
  /** The file it was uploaded from (relative path), to tell the user. */
  rel: string;
  status: DocumentStatus;
  error: string | null;
  chunkCount: number | null;
}

/** One line of the state file: the latest record for these bytes, or their removal. */
type Line = { h: string; d: string; p: string; s: DocumentStatus; e: string | null; c: number | null } | { h: string; x: 1 };

/** $XDG_CACHE_HOME/ragdocs, else ~/.cache/ragdocs. */
export const defaultStateDir = (): string => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ragdocs');

/**
 * What has been imported into one tenant of one deployment, by content hash, so that a run
 * after an interruption sends only what is missing. Kept per user in the cache directory,
 * not in the imported tree (which may be read-only, shared or under version control), and
 * keyed by deployment URL + tenant because that is the scope in which the server itself
 * treats equal bytes as one document: the same file under another name or in another tree
 * is already there too.
 *
 * An append-only JSON-lines log, one line written (synchronously) as soon as the server has
 * answered, so a run killed at any point (even SIGKILL) loses at most the answers in flight;
 * those files are sent again and the server answers "duplicate". A torn last line is ignored.
 * The key is never written.
 */
export class ImportState {
  private readonly known = new Map<string, KnownDocument>();
  private fd: number | null = null;

  private constructor(readonly file: string) {}

  static open(dir: string, url: string, tenantId: string, resume: boolean): ImportState {
    const name = createHash('sha256').update(`${url}\n${tenantId}`).digest('hex').slice(0, 32);
    mkdirSync(join(dir, 'imports'), { recursive: true, mode: 0o700 });
    const state = new ImportState(join(dir, 'imports', `${name}.jsonl`));
    const { lines, torn } = resume ? state.load() : { lines: 0, torn: false };
    // Rewritten when torn (the next line would be glued to the torn one) or mostly superseded
    // lines (status changes append, they never edit).
    if (!resume || torn || lines > 2 * state.known.size + 100) state.rewrite({ url, tenantId });
    state.fd = openSync(state.file, 'a', 0o600);
    return state;
  }

  get(sha256: string): KnownDocument | undefined {
    return this.known.get(sha256);
  }

  remember(sha256: string, doc: KnownDocument): void {
    const had = this.known.get(sha256);
    if (had && had.documentId === doc.documentId && had.status === doc.status && had.rel === doc.rel) return;
    this.known.set(sha256, doc);
    this.append(toLine(sha256, doc));
  }

  /** The server no longer has the document (deleted): the next run uploads these bytes again. */
  forget(sha256: string): void {
    if (this.known.delete(sha256)) this.append({ h: sha256, x: 1 });
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private append(line: Line): void {
    if (this.fd !== null) writeSync(this.fd, JSON.stringify(line) + '\n');
  }

  /** Folds the log into `known`; says how many lines it had and whether the last one is unfinished. */
  private load(): { lines: number; torn: boolean } {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return { lines: 0, torn: false }; // first run
    }
    const lines = text.split('\n').filter(Boolean);
    for (const raw of lines) {
      let line: { h?: unknown; x?: unknown; d?: unknown; p?: unknown; s?: DocumentStatus; e?: string | null; c?: number | null };
      try {
        line = JSON.parse(raw) as typeof line;
      } catch {
        continue;
      } // torn by a kill mid-write
      if (typeof line.h !== 'string') continue; // the header
      if (line.x) this.known.delete(line.h);
      else if (typeof line.d === 'string')
        this.known.set(line.h, {
          documentId: line.d,
          rel: typeof line.p === 'string' ? line.p : '',
          status: line.s ?? 'queued',
          error: line.e ?? null,
          chunkCount: line.c ?? null,
        });
    }
    return { lines: lines.length, torn: text.length > 0 && !text.endsWith('\n') };
  }

  /** The current records only, behind a header saying whose they are; replaced atomically. */
  private rewrite(header: { url: string; tenantId: string }): void {
    const lines = [JSON.stringify({ ragdocsImportState: 1, ...header })];
    for (const [h, d] of this.known) lines.push(JSON.stringify(toLine(h, d)));
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, lines.join('\n') + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

const toLine = (h: string, d: KnownDocument): Line => ({ h, d: d.documentId, p: d.rel, s: d.status, e: d.error, c: d.chunkCount });
