/**
 * Turns texts into vectors for similarity search. Implementations: the OpenAI-compatible
 * API in production, LocalEmbedder offline (tests, development, air-gapped installs).
 *
 * Vectors from different models (or dimensions) are not comparable: store `model` and
 * `dimensions` alongside them and never mix.
 */
export interface EmbeddingProvider {
  readonly model: string;
  readonly dimensions: number;
  /** One vector of length `dimensions` per input text, in input order. */
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}
