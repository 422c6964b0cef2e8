import type { SetPhase } from './embedding-set.js';

/** What a switch job reports as its progress (the queue dashboard shows it; GET …/embedding-model has the same figures). */
export interface SwitchProgress {
  phase: SetPhase | 'dropping';
  done: number;
  total: number;
  percent: number;
  etaSeconds: number | null;
  errors: number;
}

/** Progress with an ETA at the rate of this run (chunks embedded since it started), when given its start. */
export function progressOf(
  phase: SwitchProgress['phase'],
  c: { done: number; total: number },
  since: { at: number; done: number } | undefined,
  errors: number,
): SwitchProgress {
  const percent = c.total ? Math.min(100, Math.round((1000 * c.done) / c.total) / 10) : 100;
  return {
    phase,
    done: c.done,
    total: c.total,
    percent,
    etaSeconds: since ? etaSeconds(c, since.done, Date.now() - since.at) : null,
    errors,
  };
}

/**
 * Seconds a switch has left at the rate of its job's current run (chunks embedded since the
 * run began: a resumed run does not count what an earlier one did); null until it has a rate.
 */
export function etaSeconds(c: { done: number; total: number }, doneAtStart: number, elapsedMs: number): number | null {
  if (c.done >= c.total) return 0;
  const rate = (c.done - doneAtStart) / (elapsedMs / 1000);
  if (!(rate > 0) || elapsedMs < 1_000) return null;
  return Math.max(0, Math.round((c.total - c.done) / rate));
}
