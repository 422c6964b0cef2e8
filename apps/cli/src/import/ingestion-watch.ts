import { setTimeout as sleep } from 'node:timers/promises';
import { Semaphore } from '#libs/concurrency/semaphore.js';
import { ApiError, type RagdocsClient } from './api-client.js';
import { isFinal, type Tracked } from './outcomes.js';

export interface WatchOptions {
  pollMs: number;
  /** Status requests in flight at once. */
  concurrency: number;
}

/** Documents asked about per round: the oldest unfinished (the queue serves a tenant's documents
 * roughly in upload order, so they finish first) plus a few others in turn, so none is forgotten. */
const OLDEST_PER_ROUND = 16;
const ROTATING_PER_ROUND = 4;

export type WatchEnd = 'done' | 'timeout' | 'interrupted';

/**
 * Follows documents until they are ready or failed, by asking GET /api/v1/documents/:id
 * (the public contract has no push for this). Runs while uploads are still going, so the
 * second progress bar moves with the first.
 */
export class IngestionWatch {
  private readonly unfinished: Tracked[] = [];
  readonly finished: Tracked[] = [];
  ready = 0;
  failed = 0;
  private turn = 0;
  private readonly slots: Semaphore;

  constructor(
    private readonly client: RagdocsClient,
    private readonly onFinished: (doc: Tracked) => void,
    private readonly onDeleted: (doc: Tracked) => void,
    private readonly options: WatchOptions,
  ) {
    this.slots = new Semaphore(options.concurrency);
  }

  get total(): number {
    return this.unfinished.length + this.finished.length;
  }

  get pending(): Tracked[] {
    return [...this.unfinished];
  }

  add(doc: Tracked): void {
    if (isFinal(doc.status)) this.finish(doc);
    else this.unfinished.push(doc);
  }

  /**
   * Polls until `uploads` has settled and every document is finished; or until `timeoutMs`
   * after the uploads ended, or the signal is aborted.
   */
  async follow(uploads: Promise<unknown>, signal: AbortSignal, timeoutMs?: number): Promise<WatchEnd> {
    let uploadsEnded: number | null = null;
    const ended = uploads
      .then(
        () => {},
        () => {},
      )
      .then(() => {
        uploadsEnded = Date.now();
      });
    for (;;) {
      if (uploadsEnded !== null && this.unfinished.length === 0) return 'done';
      if (signal.aborted) return 'interrupted';
      if (uploadsEnded !== null && timeoutMs && Date.now() - uploadsEnded > timeoutMs) return 'timeout';
      await this.pollRound();
      const pause = sleep(this.options.pollMs, undefined, { signal }).catch(() => {});
      // Wake early when the uploads end, so a fast import does not wait out a poll interval.
      await (uploadsEnded === null ? Promise.race([pause, ended]) : pause);
    }
  }

  private async pollRound(): Promise<void> {
    const oldest = this.unfinished.slice(0, OLDEST_PER_ROUND);
    const rest = this.unfinished.slice(OLDEST_PER_ROUND);
    const others = rest.length
      ? Array.from({ length: Math.min(ROTATING_PER_ROUND, rest.length) }, () => rest[this.turn++ % rest.length]!)
      : [];
    await Promise.all([...new Set([...oldest, ...others])].map((doc) => this.slots.use(() => this.poll(doc))));
  }

  private async poll(doc: Tracked): Promise<void> {
    try {
      const now = await this.client.document(doc.documentId);
      doc.status = now.status;
      doc.error = now.error;
      doc.chunkCount = now.chunkCount;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) return; // asked again next round
      doc.status = 'failed';
      doc.error = 'the document was deleted on the server meanwhile';
      this.onDeleted(doc);
    }
    if (!isFinal(doc.status)) return;
    this.unfinished.splice(this.unfinished.indexOf(doc), 1);
    this.finish(doc);
  }

  private finish(doc: Tracked): void {
    this.finished.push(doc);
    if (doc.status === 'ready') this.ready++;
    else this.failed++;
    this.onFinished(doc);
  }
}
