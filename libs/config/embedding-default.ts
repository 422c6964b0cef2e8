import { LOCAL_EMBEDDING_MODEL } from '../ai/embedding/local.embedder.js';

export type ProviderKind = 'openai' | 'openai-compatible' | 'local';

/** The environment variables the platform's default embedding model is read from. */
export type EmbeddingEnv = Partial<
  Record<'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'EMBEDDING_PROVIDER' | 'EMBEDDING_MODEL' | 'EMBEDDING_DIMENSIONS', string | number>
>;

/** With a key the real provider is the default; without one the built-in offline one. */
export function defaultProvider(env: EmbeddingEnv): ProviderKind {
  return env.OPENAI_API_KEY ? (env.OPENAI_BASE_URL ? 'openai-compatible' : 'openai') : 'local';
}

/**
 * The platform-wide default embedding model (EMBEDDING_PROVIDER, EMBEDDING_MODEL,
 * EMBEDDING_DIMENSIONS): what a new tenant starts with, and what the embedding-sets
 * migration marks existing chunks with. A tenant keeps the model of its active
 * embedding set when these change; moving it is a switch (README, "Embedding models").
 * Shared by the apps' configuration and the migrations, which must not need the apps' secrets.
 */
export function platformEmbeddingModel(env: EmbeddingEnv): { provider: ProviderKind; model: string; dimensions: number } {
  const provider = (env.EMBEDDING_PROVIDER as ProviderKind | undefined) || defaultProvider(env);
  // The built-in embedder is one model whatever EMBEDDING_MODEL says (.env.example names OpenAI's for when a key is added).
  const model = provider === 'local' ? LOCAL_EMBEDDING_MODEL : env.EMBEDDING_MODEL ? String(env.EMBEDDING_MODEL) : 'text-embedding-3-small';
  return { provider, model, dimensions: Number(env.EMBEDDING_DIMENSIONS || 1536) };
}
