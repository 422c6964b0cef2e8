import type { AppConfig } from '../../config/config.js';
import { createOpenAIClient } from '../openai-client.js';
import type { EmbeddingProvider } from './embedding-provider.js';
import { LocalEmbedder } from './local.embedder.js';
import { OpenAIEmbedder } from './openai.embedder.js';

/** Injection token for the configured EmbeddingProvider (both apps). */
export const EMBEDDING_PROVIDER = Symbol('EMBEDDING_PROVIDER');

/** Picks the embedding provider named by EMBEDDING_PROVIDER. */
export function createEmbeddingProvider(ai: AppConfig['ai']): EmbeddingProvider {
  switch (ai.embeddingProvider) {
    case 'local':
      return new LocalEmbedder(ai.embeddingDimensions);
    case 'openai':
    case 'openai-compatible':
      return new OpenAIEmbedder(
        createOpenAIClient(ai),
        ai.embeddingModel,
        ai.embeddingDimensions,
        ai.embeddingModel.startsWith('text-embedding-3'),
      );
  }
}
