import { aiDuration, aiErrors } from '../../metrics/metrics.js';
import { providerErrorKind } from '../provider-errors.js';
import type { SharedRateLimiter } from '../rate-limiter.js';
import type { EmbeddingProvider } from './embedding-provider.js';

/**
 * An embedder as every caller uses it (createEmbeddingProvider): each request first draws on
 * the shared request budget (EMBEDDING_RPM: ingestion, switches and search queries alike),
 * then is timed and its failures counted by kind. The wait for the budget is not provider time.
 */
export class MeteredEmbedder implements EmbeddingProvider {
  constructor(
    private readonly inner: EmbeddingProvider,
    private readonly provider: string,
    private readonly limiter?: Pick<SharedRateLimiter, 'acquire'>,
  ) {}

  get model(): string {
    return this.inner.model;
  }

  get dimensions(): number {
    return this.inner.dimensions;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    await this.limiter?.acquire(signal);
    const end = aiDuration.startTimer({ provider: this.provider, operation: 'embed' });
    try {
      return await this.inner.embed(texts, signal);
    } catch (e) {
      aiErrors.inc({ operation: 'embed', kind: providerErrorKind(e) });
      throw e;
    } finally {
      end();
    }
  }
}
