/**
 * When to send a request again, and after how long. The server says when to come back
 * (Retry-After on 429/503); without it we back off exponentially with jitter, so that
 * several importers that failed together do not come back together.
 */

/** What went wrong with one attempt. */
export type FailedAttempt =
  { kind: 'status'; status: number; retryAfter: string | null; message: string } | { kind: 'network'; message: string };

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** Without Retry-After a 429 still means "later", not "now". */
const THROTTLED_DEFAULT_MS = 5_000;

/** Answers that say "not now" rather than "no". */
const TRANSIENT_STATUSES = new Set([502, 503, 504]);

/**
 * Milliseconds to wait before attempt `failures + 1`, or null to give up.
 * - 429: the server is up and metering this client or tenant (request budget, queue cap):
 *   always retried, after Retry-After. It does not use up `maxRetries`.
 * - 502/503/504 and network errors (refused, reset, timed out): at most `maxRetries` times,
 *   after Retry-After when the answer has one, else with exponential backoff.
 * - anything else is an answer, not a failure to answer: never retried.
 */
export function retryDelayMs(attempt: FailedAttempt, failures: number, maxRetries: number, now = Date.now()): number | null {
  if (attempt.kind === 'status' && attempt.status === 429) {
    return parseRetryAfter(attempt.retryAfter, now) ?? THROTTLED_DEFAULT_MS;
  }
  const transient = attempt.kind === 'network' || TRANSIENT_STATUSES.has(attempt.status);
  if (!transient || failures > maxRetries) return null;
  return (attempt.kind === 'status' ? parseRetryAfter(attempt.retryAfter, now) : null) ?? backoffMs(failures);
}

/** Retry-After as delay-seconds or as an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function backoffMs(failures: number): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 16));
  return Math.round(ceiling * (0.5 + Math.random() / 2));
}
