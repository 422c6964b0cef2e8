export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
}

/** A retrieved passage as the answerer sees it; `n` is the number used in citations ([1], [2], ...). */
export interface GroundingSource {
  n: number;
  content: string;
  filename: string;
  pageFrom: number;
  pageTo: number;
  /** Heading path of the passage's section, where the document has headings. */
  section?: string | null;
  similarity: number;
}

export interface ChatRequest {
  /** The full prompt (system prompt, delimited sources, history, question) for LLM providers. */
  messages: ChatMessage[];
  /** The same question and sources, structured, for providers that do not read prose (the local answerer). */
  grounding?: { question: string; sources: GroundingSource[] };
  maxTokens?: number;
  signal?: AbortSignal;
}

export type ChatChunk = { type: 'token'; text: string } | { type: 'usage'; usage: ChatUsage };

/** One interface for every chat backend: OpenAI, any OpenAI-compatible server, or the built-in answerer. */
export interface ChatProvider {
  readonly model: string;
  /** True for the offline answerer: no query rewriting, no real LLM behind it. */
  readonly local: boolean;
  stream(req: ChatRequest): AsyncIterable<ChatChunk>;
}

/** Runs a stream to the end and returns the whole text and the usage. */
export async function completeChat(provider: ChatProvider, req: ChatRequest): Promise<{ text: string; usage?: ChatUsage }> {
  let text = '';
  let usage: ChatUsage | undefined;
  for await (const chunk of provider.stream(req)) {
    if (chunk.type === 'token') text += chunk.text;
    else usage = chunk.usage;
  }
  return { text, usage };
}
