import type OpenAI from 'openai';
import type { ChatChunk, ChatProvider, ChatRequest } from './chat-provider.js';

/** Chat completions through the official SDK, streamed; the abort signal cancels the HTTP request upstream. */
export class OpenAIChatProvider implements ChatProvider {
  readonly local = false;

  constructor(
    private readonly client: OpenAI,
    readonly model: string,
  ) {}

  async *stream(req: ChatRequest): AsyncIterable<ChatChunk> {
    const stream = await this.client.chat.completions.create(
      {
        model: this.model,
        messages: req.messages,
        stream: true,
        stream_options: { include_usage: true },
        ...(req.maxTokens ? { max_tokens: req.maxTokens } : {}),
      },
      { signal: req.signal },
    );
    for await (const chunk of stream) {
      const text = chunk.choices[0]?.delta?.content;
      if (text) yield { type: 'token', text };
      if (chunk.usage) {
        yield { type: 'usage', usage: { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens } };
      }
    }
  }
}
