import { formatBytes, formatDuration, table } from './format.js';
import type { IngestionWatch, WatchEnd } from './ingestion-watch.js';
import type { ImportTally } from './outcomes.js';

export interface RunEnd {
  /** How waiting for ingestion ended; 'skipped' with --no-wait or when the uploads were interrupted. */
  watch: WatchEnd | 'skipped';
  interrupted: boolean;
  /** Candidates never started (interrupted). */
  notProcessed: number;
  elapsedMs: number;
}

/** The closing table: what happened to the files, then to the documents, then every failure with its reason. */
export function renderSummary(tally: ImportTally, watch: IngestionWatch, end: RunEnd): string {
  const f = tally.files;
  const out = ['', `Summary (${formatDuration(end.elapsedMs)}${end.interrupted ? ', interrupted' : ''})`];
  out.push(
    ...table([
      ['files', 'count', 'bytes'],
      ['uploaded', String(f.uploaded), formatBytes(tally.uploadedBytes)],
      ['already imported (earlier run)', String(f.known), ''],
      ['already on the server (skipped)', String(f['on-server']), ''],
      ['skipped: duplicate in the tree', String(f.duplicate), ''],
      ['skipped: unsupported', String(f.unsupported), ''],
      ['skipped: empty', String(f.empty), ''],
      ['failed to upload', String(f.failed), ''],
      ...(end.notProcessed ? [['not processed (interrupted)', String(end.notProcessed), '']] : []),
    ]),
  );
  const pending = watch.total - watch.finished.length;
  const pendingLabel = end.watch === 'skipped' ? 'not waited for' : 'still processing';
  out.push(
    '',
    ...table([
      ['documents', 'count'],
      ['ready', String(watch.ready)],
      ['failed', String(watch.failed)],
      [pendingLabel, String(pending)],
    ]),
  );
  const failures = [
    ...tally.uploadFailures.map((o) => [o.rel, `upload: ${o.detail ?? 'failed'}`]),
    ...watch.finished.filter((d) => d.status === 'failed').map((d) => [d.rel, d.error ?? 'failed']),
  ];
  if (failures.length) {
    const width = Math.max(...failures.map(([rel]) => rel!.length));
    out.push('', 'Failed:', ...failures.map(([rel, why]) => `  ${rel!.padEnd(width)}  ${why}`));
  }
  if (tally.unsupported.size) {
    out.push(
      '',
      `Unsupported: ${[...tally.unsupported]
        .sort((a, b) => b[1] - a[1])
        .map(([why, n]) => `${why} ×${n}`)
        .join(', ')}`,
    );
  }
  if (end.watch === 'timeout')
    out.push('', `Stopped waiting: ${pending} document(s) still queued or processing; run again to follow them.`);
  return out.join('\n') + '\n';
}

/** 0 when everything imported (or was rightly skipped); 1 when a file failed or its ingestion did not finish in time; 130 interrupted. */
export function exitCode(tally: ImportTally, watch: IngestionWatch, end: RunEnd): number {
  if (end.interrupted) return 130;
  if (tally.files.failed > 0 || watch.failed > 0 || end.watch === 'timeout') return 1;
  return 0;
}
