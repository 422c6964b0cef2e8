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
