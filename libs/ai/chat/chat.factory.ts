import type { AppConfig } from '../../config/config.js';
import { createOpenAIClient } from '../openai-client.js';
import type { ChatProvider } from './chat-provider.js';
import { LocalChatProvider } from './local.chat.js';
import { OpenAIChatProvider } from './openai.chat.js';

export const CHAT_PROVIDER = Symbol('CHAT_PROVIDER');

/** Picks the chat provider named by CHAT_PROVIDER. */
export function createChatProvider(ai: AppConfig['ai']): ChatProvider {
  switch (ai.chatProvider) {
    case 'local':
      return new LocalChatProvider(ai.chatModel);
    case 'openai':
    case 'openai-compatible':
      return new OpenAIChatProvider(createOpenAIClient(ai), ai.chatModel);
  }
}
