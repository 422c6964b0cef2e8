import type { DocumentStatus } from '#libs/database/entities/document.entity.js';
import type { KnownDocument } from './import-state.js';

/** How one file of the tree ended in the upload phase. */
export type FileOutcomeKind =
  | 'uploaded' // sent, and the server made a new document of it
  | 'known' // an earlier run imported these bytes (state file): not sent
  | 'on-server' // sent, and the server answered that the tenant already has these bytes
  | 'duplicate' // the same bytes as another file of this tree: not sent
  | 'unsupported' // not a type the API accepts (by name, by content, or the server's 415)
  | 'empty' // nothing to import
  | 'failed'; // refused (413, 400, ...) or the server could not be reached

export interface FileOutcome {
  kind: FileOutcomeKind;
  rel: string;
  size: number;
  detail?: string;
}

/** A document this run follows until it is ready or failed. */
export interface Tracked extends KnownDocument {
  sha256: string;
}

export const isFinal = (status: DocumentStatus): boolean => status === 'ready' || status === 'failed';

/** The counts behind the progress bars and the summary. */
export class ImportTally {
  readonly files: Record<FileOutcomeKind, number> = {
    uploaded: 0,
    known: 0,
    'on-server': 0,
    duplicate: 0,
    unsupported: 0,
    empty: 0,
    failed: 0,
  };
  uploadedBytes = 0;
  /** Candidates (files with a supported name) whose upload phase is over, whatever the outcome, and their bytes. */
  doneFiles = 0;
  doneBytes = 0;
  readonly uploadFailures: FileOutcome[] = [];
  /** Unsupported files by reason ("type .png", or the server's message). */
  readonly unsupported = new Map<string, number>();

  /** `candidate` false: refused by its name before the run (not part of the progress bar's work). */
  add(outcome: FileOutcome, candidate = true): void {
    this.files[outcome.kind]++;
    if (candidate) {
      this.doneFiles++;
      this.doneBytes += outcome.size;
    }
    if (outcome.kind === 'uploaded') this.uploadedBytes += outcome.size;
    if (outcome.kind === 'failed') this.uploadFailures.push(outcome);
    if (outcome.kind === 'unsupported') this.unsupported.set(outcome.detail ?? '', (this.unsupported.get(outcome.detail ?? '') ?? 0) + 1);
  }
}
