import OpenAI from 'openai';
import type { AppConfig } from '../config/config.js';

/**
 * One configured SDK client for `openai` and `openai-compatible`. The SDK
 * retries 408/409/429/5xx itself with exponential backoff and honours
 * `Retry-After` / `retry-after-ms` (up to 60 s), so we do not wrap it again.
 */
export function createOpenAIClient(ai: AppConfig['ai']): OpenAI {
  return new OpenAI({
    apiKey: ai.openaiApiKey || 'not-needed', // many openai-compatible servers take no key
    baseURL: ai.openaiBaseUrl || undefined,
    maxRetries: ai.maxRetries,
    timeout: ai.timeoutMs,
  });
}
