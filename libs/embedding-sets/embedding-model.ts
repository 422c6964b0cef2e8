import { LOCAL_EMBEDDING_MODEL } from '../ai/embedding/local.embedder.js';
import type { AppConfig, ProviderKind } from '../config/config.js';

/** Which model makes a set's vectors. Vectors of two different specs are never compared. */
export interface EmbeddingModelSpec {
  provider: ProviderKind;
  model: string;
  dimensions: number;
}

export const EMBEDDING_PROVIDERS: readonly ProviderKind[] = ['local', 'openai', 'openai-compatible'];

/** The built-in offline models (LocalEmbedder); any dimension in range. */
export const LOCAL_MODELS: readonly string[] = [LOCAL_EMBEDDING_MODEL];

/**
 * The dimensions a set may have. 4,000 is the most an HNSW index on halfvec takes: a set
 * above it could never get a large tenant's own index (bench/LAYOUT.md).
 */
export const MIN_DIMENSIONS = 2;
export const MAX_DIMENSIONS = 4000;

export const sameModel = (a: EmbeddingModelSpec, b: EmbeddingModelSpec): boolean =>
  a.provider === b.provider && a.model === b.model && a.dimensions === b.dimensions;

export const describeModel = (s: EmbeddingModelSpec): string => `${s.provider} ${s.model} (${s.dimensions} dimensions)`;

/** What keeps this platform from embedding with `spec` (beyond the request's own shape); empty when nothing does. */
export function modelProblems(spec: EmbeddingModelSpec, ai: Pick<AppConfig['ai'], 'openaiApiKey' | 'openaiBaseUrl'>): string[] {
  const problems: string[] = [];
  if (!EMBEDDING_PROVIDERS.includes(spec.provider)) problems.push(`provider must be one of ${EMBEDDING_PROVIDERS.join(', ')}`);
  if (!Number.isInteger(spec.dimensions) || spec.dimensions < MIN_DIMENSIONS || spec.dimensions > MAX_DIMENSIONS) {
    problems.push(`dimensions must be an integer from ${MIN_DIMENSIONS} to ${MAX_DIMENSIONS}`);
  }
  if (spec.provider === 'local' && !LOCAL_MODELS.includes(spec.model)) {
    problems.push(`model "${spec.model}" is not a built-in local model (${LOCAL_MODELS.join(', ')})`);
  }
  if (spec.provider === 'openai' && !ai.openaiApiKey) problems.push('provider openai is not configured on this platform (OPENAI_API_KEY)');
  if (spec.provider === 'openai-compatible' && !ai.openaiBaseUrl)
    problems.push('provider openai-compatible is not configured on this platform (OPENAI_BASE_URL)');
  return problems;
}
