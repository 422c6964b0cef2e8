import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';

/** What kind of failure a provider call met, for ragdocs_ai_errors_total: a closed set an alert can name. */
export function providerErrorKind(e: unknown): string {
  if (e instanceof APIUserAbortError || (e as Error)?.name === 'AbortError') return 'aborted';
  if (e instanceof APIConnectionTimeoutError) return 'timeout';
  if (e instanceof APIConnectionError) return 'connection';
  if (e instanceof APIError) {
    if (e.status === 429) return 'rate_limit';
    if (e.status !== undefined && e.status >= 500) return 'server';
    if (e.status !== undefined && e.status >= 400) return 'client';
  }
  if (e instanceof Error && /returned \d+ (vectors|dimensions)/.test(e.message)) return 'invalid_response';
  return 'other';
}
