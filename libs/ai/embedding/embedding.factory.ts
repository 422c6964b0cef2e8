import type { AppConfig } from '../../config/config.js';
import { createOpenAIClient } from '../openai-client.js';
import type { SharedRateLimiter } from '../rate-limiter.js';
import type { EmbeddingProvider } from './embedding-provider.js';
import { LocalEmbedder } from './local.embedder.js';
import { MeteredEmbedder } from './metered.embedder.js';
import { OpenAIEmbedder } from './openai.embedder.js';

/**
 * The embedder of EMBEDDING_PROVIDER/_MODEL/_DIMENSIONS, metered (ragdocs_ai_*) and, for a
 * remote provider, drawing each request on the shared budget `limiter` (EMBEDDING_RPM). The
 * built-in local model spends no one's budget. The one way embedders are made
 * (libs/embedding-sets/embedding-models.ts keeps one per model).
 */
export function createEmbeddingProvider(ai: AppConfig['ai'], limiter?: Pick<SharedRateLimiter, 'acquire'>): EmbeddingProvider {
  switch (ai.embeddingProvider) {
    case 'local':
      return new MeteredEmbedder(new LocalEmbedder(ai.embeddingDimensions), 'local');
    case 'openai':
    case 'openai-compatible':
      return new MeteredEmbedder(
        new OpenAIEmbedder(
          createOpenAIClient(ai),
          ai.embeddingModel,
          ai.embeddingDimensions,
          ai.embeddingModel.startsWith('text-embedding-3'),
        ),
        ai.embeddingProvider,
        limiter,
      );
  }
}
