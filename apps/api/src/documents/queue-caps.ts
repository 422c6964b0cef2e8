import { PayloadTooLargeException } from '@nestjs/common';
import { RetryLaterException } from '../admission/too-many-requests.js';

/**
 * How long a tenant over its cap is asked to wait. Room comes back as its own
 * documents finish, at worker speed, which the API cannot predict; half a
 * minute is long enough not to be a busy loop and short enough to resume soon.
 */
export const QUEUE_CAP_RETRY_AFTER_SECONDS = 30;

/** A tenant's unfinished (queued/processing) documents, and its own caps from `settings` when set. */
export interface Backlog {
  /** Documents waiting (status queued): the new document's rank in its tenant's backlog. */
  queued: number;
  /** Documents queued or processing. */
  unfinished: number;
  /** Their total size. */
  bytes: number;
  maxDocuments: number | null;
  maxBytes: number | null;
}

/** 429 with Retry-After (written by HttpExceptionFilter). */
export class QueueCapExceededException extends RetryLaterException {
  constructor(message: string) {
    super(message, QUEUE_CAP_RETRY_AFTER_SECONDS);
  }
}

/**
 * Checks the backlog that already includes the new (or requeued) document of
 * `addedBytes`. Throws inside the transaction, so nothing is stored.
 */
export function assertWithinCaps(b: Backlog, defaults: { maxQueuedDocuments: number; maxQueuedBytes: number }, addedBytes: number): void {
  const maxDocuments = b.maxDocuments ?? defaults.maxQueuedDocuments;
  const maxBytes = b.maxBytes ?? defaults.maxQueuedBytes;
  if (b.unfinished > maxDocuments) {
    throw new QueueCapExceededException(
      `Too many documents waiting for ingestion: this tenant may have at most ${maxDocuments} documents queued or processing ` +
        `(${b.unfinished - 1} now). Retry after ${QUEUE_CAP_RETRY_AFTER_SECONDS} s, once some are ready.`,
    );
  }
  if (addedBytes > maxBytes) {
    // Waiting would never help: say so instead of asking for a retry.
    throw new PayloadTooLargeException(
      `This document (${addedBytes} bytes) is larger than this tenant's cap on queued bytes (${maxBytes} bytes)`,
    );
  }
  if (b.bytes > maxBytes) {
    throw new QueueCapExceededException(
      `Too many bytes waiting for ingestion: this tenant may have at most ${maxBytes} bytes of documents queued or processing ` +
        `(${b.bytes - addedBytes} now, this document ${addedBytes}). Retry after ${QUEUE_CAP_RETRY_AFTER_SECONDS} s, once some are ready.`,
    );
  }
}
