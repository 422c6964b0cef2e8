import { aiDuration, aiErrors, aiTokens } from '../../metrics/metrics.js';
import { providerErrorKind } from '../provider-errors.js';
import type { ChatChunk, ChatProvider, ChatRequest } from './chat-provider.js';

/** A chat provider timed (until the stream ends), its failures counted by kind and its reported tokens added up. */
export class MeteredChat implements ChatProvider {
  constructor(
    private readonly inner: ChatProvider,
    private readonly provider: string,
  ) {}

  get model(): string {
    return this.inner.model;
  }

  get local(): boolean {
    return this.inner.local;
  }

  async *stream(req: ChatRequest): AsyncIterable<ChatChunk> {
    const end = aiDuration.startTimer({ provider: this.provider, operation: 'chat' });
    try {
      for await (const chunk of this.inner.stream(req)) {
        if (chunk.type === 'usage') {
          aiTokens.inc({ operation: 'chat', kind: 'prompt' }, chunk.usage.promptTokens);
          aiTokens.inc({ operation: 'chat', kind: 'completion' }, chunk.usage.completionTokens);
        }
        yield chunk;
      }
    } catch (e) {
      aiErrors.inc({ operation: 'chat', kind: providerErrorKind(e) });
      throw e;
    } finally {
      end();
    }
  }
}
