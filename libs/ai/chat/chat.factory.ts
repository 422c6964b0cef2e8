import type { AppConfig } from '../../config/config.js';
import { createOpenAIClient } from '../openai-client.js';
import type { ChatProvider } from './chat-provider.js';
import { LocalChatProvider } from './local.chat.js';
import { MeteredChat } from './metered.chat.js';
import { OpenAIChatProvider } from './openai.chat.js';

export const CHAT_PROVIDER = Symbol('CHAT_PROVIDER');

/** The chat provider named by CHAT_PROVIDER, metered (ragdocs_ai_*). */
export function createChatProvider(ai: AppConfig['ai']): ChatProvider {
  switch (ai.chatProvider) {
    case 'local':
      return new MeteredChat(new LocalChatProvider(ai.chatModel), 'local');
    case 'openai':
    case 'openai-compatible':
      return new MeteredChat(new OpenAIChatProvider(createOpenAIClient(ai), ai.chatModel), ai.chatProvider);
  }
}
