import { SetMetadata } from '@nestjs/common';
import type { RateBudgets } from '#libs/config/config.js';

/** The kinds of request that have their own per-minute budget. */
export enum RateClass {
  Search = 'search',
  Chat = 'chat',
  Upload = 'upload',
  OpenAI = 'openai',
}

/** Which budget (config and a tenant's settings.limits) each kind draws from. */
export const RATE_BUDGET: Record<RateClass, keyof RateBudgets> = {
  [RateClass.Search]: 'searchPerMinute',
  [RateClass.Chat]: 'chatPerMinute',
  [RateClass.Upload]: 'uploadPerMinute',
  [RateClass.OpenAI]: 'openaiPerMinute',
};

export const RATE_CLASS_KEY = 'admission:rate-class';

/** The route draws from its tenant's budget for this kind of request (AdmissionGuard). */
export const RateLimited = (kind: RateClass) => SetMetadata(RATE_CLASS_KEY, kind);
