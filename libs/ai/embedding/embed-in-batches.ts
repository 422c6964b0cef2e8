import type { EmbeddingProvider } from './embedding-provider.js';

export interface BatchOptions {
  /** Texts per request (EMBEDDING_BATCH_SIZE). */
  batchSize: number;
  /** Requests in flight at once (EMBEDDING_CONCURRENCY). */
  concurrency: number;
  signal: AbortSignal;
  /** After each batch, with the batches done so far and their number; a throw stops every lane. */
  afterBatch?: (done: number, batches: number) => Promise<void>;
}

/**
 * Embeds many texts: batched, with bounded concurrency (each request draws on the shared rate
 * limit inside the embedder: createEmbeddingProvider). When one lane fails the others stop (their requests in flight are aborted and they
 * take no further batch), so a failure does not go on spending the provider's budget.
 * Returns one vector per text, in the texts' order.
 */
export async function embedInBatches(embedder: EmbeddingProvider, texts: readonly string[], o: BatchOptions): Promise<number[][]> {
  const starts: number[] = [];
  for (let i = 0; i < texts.length; i += o.batchSize) starts.push(i);
  const vectors = new Array<number[]>(texts.length);
  const failed = new AbortController();
  const signal = AbortSignal.any([o.signal, failed.signal]);
  let next = 0;
  let done = 0;
  const lane = async () => {
    try {
      while (next < starts.length && !signal.aborted) {
        const start = starts[next++]!;
        const out = await embedder.embed(texts.slice(start, start + o.batchSize), signal);
        out.forEach((v, k) => (vectors[start + k] = v)); // one vector per text: the providers check it
        done++;
        await o.afterBatch?.(done, starts.length);
      }
    } catch (e) {
      failed.abort(e);
      throw e;
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, starts.length) }, lane));
  signal.throwIfAborted();
  return vectors;
}
