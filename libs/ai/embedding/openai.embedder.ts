import type OpenAI from 'openai';
import { aiTokens } from '../../metrics/metrics.js';
import type { EmbeddingProvider } from './embedding-provider.js';

/** Embeddings through the official SDK: OpenAI itself or any OpenAI-compatible server. */
export class OpenAIEmbedder implements EmbeddingProvider {
  constructor(
    private readonly client: OpenAI,
    readonly model: string,
    readonly dimensions: number,
    /** text-embedding-3-* accept a `dimensions` parameter; other servers may reject it. */
    private readonly sendDimensions: boolean,
  ) {}

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    const res = await this.client.embeddings.create(
      { model: this.model, input: texts, encoding_format: 'float', ...(this.sendDimensions ? { dimensions: this.dimensions } : {}) },
      { signal },
    );
    if (res.usage) aiTokens.inc({ operation: 'embed', kind: 'prompt' }, res.usage.prompt_tokens);
    const vectors = [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
    if (vectors.length !== texts.length) throw new Error(`embedding server returned ${vectors.length} vectors for ${texts.length} texts`);
    for (const v of vectors) {
      if (v.length !== this.dimensions) {
        throw new Error(
          `embedding model ${this.model} returned ${v.length} dimensions, the schema has ${this.dimensions} (EMBEDDING_DIMENSIONS)`,
        );
      }
    }
    return vectors;
  }
}
