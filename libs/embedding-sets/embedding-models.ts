import { Inject, Injectable } from '@nestjs/common';
import type { EmbeddingProvider } from '../ai/embedding/embedding-provider.js';
import { createEmbeddingProvider } from '../ai/embedding/embedding.factory.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import type { SharedRateLimiter } from '../ai/rate-limiter.js';
import { EMBEDDING_LIMITER } from './embedding-limiter.js';
import type { EmbeddingModelSpec } from './embedding-model.js';

/**
 * The embedders of every model in use, one instance per model: a tenant's queries and
 * chunks are embedded with its active set's model, and a switch embeds with the new one,
 * whatever the platform default (EMBEDDING_*) says. Each is metered and draws on the shared
 * request budget (createEmbeddingProvider), whoever embeds: ingestion, a switch or a search.
 */
@Injectable()
export class EmbeddingModels {
  private readonly embedders = new Map<string, EmbeddingProvider>();
  /** The platform-wide default: a new tenant's first set. The embedder's own name, so a local model is named as it embeds. */
  readonly platformDefault: EmbeddingModelSpec;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EMBEDDING_LIMITER) private readonly limiter: Pick<SharedRateLimiter, 'acquire'>,
  ) {
    const embedder = this.get({
      provider: config.ai.embeddingProvider,
      model: config.ai.embeddingModel,
      dimensions: config.ai.embeddingDimensions,
    });
    this.platformDefault = { provider: config.ai.embeddingProvider, model: embedder.model, dimensions: embedder.dimensions };
  }

  get(spec: EmbeddingModelSpec): EmbeddingProvider {
    const key = `${spec.provider}\n${spec.model}\n${spec.dimensions}`;
    let embedder = this.embedders.get(key);
    if (!embedder) {
      embedder = createEmbeddingProvider(
        { ...this.config.ai, embeddingProvider: spec.provider, embeddingModel: spec.model, embeddingDimensions: spec.dimensions },
        this.limiter,
      );
      this.embedders.set(key, embedder);
    }
    return embedder;
  }
}
