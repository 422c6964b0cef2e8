import type { RetryNotice } from './api-client.js';
import type { FileOutcome, Tracked } from './outcomes.js';

/** What the run is about to do, for its first lines. */
export interface ImportPlan {
  root: string;
  url: string;
  who: string;
  target: string;
  /** Files with a name the API takes, and their bytes: the work of the upload bar. */
  files: number;
  bytes: number;
  unsupportedByName: number;
  stateFile: string;
  wait: boolean;
}

/** How a run shows its progress: bars on a terminal (tty-reporter.ts), else one line per event (plain-reporter.ts). */
export interface ImportReporter {
  begin(plan: ImportPlan): void;
  /** A file's upload phase is over. */
  file(outcome: FileOutcome): void;
  retry(rel: string, notice: RetryNotice): void;
  /** A document became ready or failed. */
  ingested(doc: Tracked): void;
  note(text: string): void;
  /** Before the summary: bars are stopped so the summary prints below them. */
  end(): void;
}

/** The words a plain line starts with, one per outcome; the terminal's log lines use the same. */
export const OUTCOME_WORDS: Record<FileOutcome['kind'], string> = {
  uploaded: 'uploaded',
  known: 'known',
  'on-server': 'on server',
  duplicate: 'duplicate',
  unsupported: 'unsupported',
  empty: 'empty',
  failed: 'failed',
};

export const line = (word: string, rel: string, detail?: string): string => `${word.padEnd(11)} ${rel}${detail ? `  ${detail}` : ''}`;

export const describeDocument = (doc: Tracked): string =>
  doc.status === 'ready' ? `${doc.chunkCount ?? 0} chunk${doc.chunkCount === 1 ? '' : 's'}` : (doc.error ?? 'failed');

export const describeRetry = (notice: RetryNotice): string => `${notice.reason}; again in ${Math.ceil(notice.delayMs / 1000)} s`;
