import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Semaphore } from '#libs/concurrency/semaphore.js';
import { ApiError, RagdocsClient } from './api-client.js';
import { fingerprint } from './fingerprint.js';
import { FolderTree } from './folder-tree.js';
import { ImportState } from './import-state.js';
import { IngestionWatch } from './ingestion-watch.js';
import { ImportTally, type FileOutcome, type Tracked } from './outcomes.js';
import { PlainReporter } from './plain-reporter.js';
import type { ImportReporter } from './reporter.js';
import { exitCode, renderSummary, type RunEnd } from './summary.js';
import { headLooksSupported, unsupportedExtension } from './supported-types.js';
import { dirOf, scanTree, type TreeFile } from './tree-scan.js';
import { TtyReporter } from './tty-reporter.js';

export interface ImportOptions {
  dir: string;
  url: string;
  key: string;
  /** Target folder path ("Manuals" or "Manuals/2024"); none = no folder. */
  folder?: string;
  mirrorFolders: boolean;
  include: string[];
  exclude: string[];
  concurrency: number;
  retries: number;
  wait: boolean;
  waitTimeoutMs?: number;
  stateDir: string;
  resume: boolean;
  /** Line per file even on a terminal. */
  plain: boolean;
  pollMs: number;
}

/** A problem with the command itself (bad directory, refused key): nothing was imported. */
export class UsageError extends Error {}

/**
 * One import: scan, then upload with bounded concurrency while following ingestion, then
 * the summary. Returns the exit code. `signal` is Ctrl-C: no new file is started, the
 * uploads in flight finish (and are recorded), the summary still prints.
 */
export async function runImport(o: ImportOptions, out: NodeJS.WriteStream, signal: AbortSignal): Promise<number> {
  const started = Date.now();
  const root = resolve(o.dir);
  if (!(await stat(root).catch(() => null))?.isDirectory()) throw new UsageError(`${o.dir} is not a directory`);
  // A refused key stops everything at once rather than failing every remaining file alike.
  const halt = new AbortController();
  const stop = AbortSignal.any([signal, halt.signal]);
  const client = new RagdocsClient({ baseUrl: o.url, key: o.key, retries: o.retries, signal: stop });
  const me = await client.me().catch((e: unknown) => {
    throw new UsageError(
      e instanceof ApiError && e.status > 0
        ? `${o.url} refused the key (${e.status}): ${e.message}`
        : `cannot reach ${o.url}: ${e instanceof Error ? e.message : String(e)}`,
    );
  });
  const state = ImportState.open(o.stateDir, o.url, me.tenantId, o.resume);
  try {
    const folderNames = (o.folder ?? '')
      .split('/')
      .map((s) => s.trim())
      .filter(Boolean);
    const folders = folderNames.length || o.mirrorFolders ? await FolderTree.load(client) : null;
    const files = await scanTree(root, { include: o.include, exclude: o.exclude });
    const candidates = files.filter((f) => !unsupportedExtension(f.rel));

    const tally = new ImportTally();
    // eslint-disable-next-line prefer-const -- assigned below: the watch reports to the reporter, which shows the watch
    let reporter: ImportReporter;
    const watch = new IngestionWatch(
      client,
      (doc) => {
        state.remember(doc.sha256, doc);
        reporter.ingested(doc);
      },
      (doc) => state.forget(doc.sha256),
      { pollMs: o.pollMs, concurrency: Math.min(4, o.concurrency) },
    );
    reporter = out.isTTY && !o.plain ? new TtyReporter(out, tally, watch) : new PlainReporter(out);
    const record = (outcome: FileOutcome, candidate = true) => {
      tally.add(outcome, candidate);
      reporter.file(outcome);
    };
    reporter.begin({
      root: o.dir,
      url: o.url,
      who: `${me.email} (tenant ${me.tenantId})`,
      target: `${folderNames.length ? `folder "${folderNames.join('/')}"` : 'no folder'}${o.mirrorFolders ? ', sub-directories as sub-folders' : ''}`,
      files: candidates.length,
      bytes: candidates.reduce((n, f) => n + f.size, 0),
      unsupportedByName: files.length - candidates.length,
      stateFile: state.file,
      wait: o.wait,
    });
    for (const f of files) {
      const ext = unsupportedExtension(f.rel);
      if (ext) record({ kind: 'unsupported', rel: f.rel, size: f.size, detail: `type ${ext}` }, false);
    }
    const onFirstInterrupt = () => reporter.note('stopping: letting the uploads in flight finish (Ctrl-C again to quit at once)');
    signal.addEventListener('abort', onFirstInterrupt, { once: true });

    const seen = new Map<string, string>();
    const importFile = async (file: TreeFile): Promise<void> => {
      if (file.size === 0) return record({ kind: 'empty', rel: file.rel, size: 0 });
      let sha256: string;
      try {
        const fp = await fingerprint(file.path);
        if (!headLooksSupported(fp.head)) {
          return record({
            kind: 'unsupported',
            rel: file.rel,
            size: file.size,
            detail: 'content is not PDF, DOCX, HTML, Markdown or text',
          });
        }
        sha256 = fp.sha256;
      } catch (e) {
        return record({
          kind: 'failed',
          rel: file.rel,
          size: file.size,
          detail: `cannot read: ${e instanceof Error ? e.message : String(e)}`,
        });
      }
      const first = seen.get(sha256);
      if (first) return record({ kind: 'duplicate', rel: file.rel, size: file.size, detail: `same bytes as ${first}` });
      seen.set(sha256, file.rel);
      const known = state.get(sha256);
      if (known) {
        record({
          kind: 'known',
          rel: file.rel,
          size: file.size,
          detail: known.rel === file.rel ? 'imported by an earlier run' : `imported by an earlier run from ${known.rel}`,
        });
        return watch.add({ ...known, sha256, rel: file.rel });
      }
      const target = [...folderNames, ...(o.mirrorFolders ? dirOf(file.rel).split('/').filter(Boolean) : [])];
      const folderId = folders ? await folders.resolve(target) : null;
      const answer = await client.upload(file.path, basename(file.rel), folderId, (n) => reporter.retry(file.rel, n));
      const doc: Tracked = {
        sha256,
        rel: file.rel,
        documentId: answer.id,
        status: answer.status,
        error: answer.error,
        chunkCount: answer.chunkCount,
      };
      state.remember(sha256, doc);
      // A duplicate answer to a repeated attempt is most likely the document the lost attempt created.
      if (!answer.duplicate || answer.resent) record({ kind: 'uploaded', rel: file.rel, size: file.size });
      else
        record({
          kind: 'on-server',
          rel: file.rel,
          size: file.size,
          detail: `the server already has these bytes (as "${answer.filename}")`,
        });
      watch.add(doc);
    };

    let notProcessed = 0;
    const slots = new Semaphore(o.concurrency);
    const uploads = Promise.all(
      candidates.map((file) =>
        slots.use(async () => {
          if (stop.aborted) return void notProcessed++;
          try {
            await importFile(file);
          } catch (e) {
            if (stop.aborted && e instanceof Error && e.name === 'AbortError') return void notProcessed++; // interrupted while waiting to retry
            if (e instanceof ApiError && (e.status === 401 || e.status === 403) && !halt.signal.aborted) {
              reporter.note(`the server refused the key (${e.status}): ${e.message}; stopping`);
              halt.abort();
            }
            if (e instanceof ApiError && e.status === 415)
              return record({ kind: 'unsupported', rel: file.rel, size: file.size, detail: e.message });
            record({
              kind: 'failed',
              rel: file.rel,
              size: file.size,
              detail: e instanceof ApiError && e.status ? `${e.status} ${e.message}` : e instanceof Error ? e.message : String(e),
            });
          }
        }),
      ),
    );
    const watched = o.wait ? watch.follow(uploads, stop, o.waitTimeoutMs) : null;
    await uploads;
    if (watched && !stop.aborted && watch.total > watch.finished.length)
      reporter.note(`waiting for ingestion: ${watch.total - watch.finished.length} document(s) queued or processing`);
    const watchEnd = watched ? await watched : 'skipped';
    signal.removeEventListener('abort', onFirstInterrupt);
    reporter.end();

    const end: RunEnd = { watch: watchEnd, interrupted: signal.aborted, notProcessed, elapsedMs: Date.now() - started };
    out.write(renderSummary(tally, watch, end));
    return halt.signal.aborted ? 2 : exitCode(tally, watch, end);
  } finally {
    state.close();
  }
}
