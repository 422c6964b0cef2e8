/**
 * A guard thread inside the parser process, for when its parent can no longer watch
 * it: if the worker process dies (SIGKILL, OOM killer), nothing samples this process's
 * memory any more, and the parser may be in a synchronous loop that never lets the
 * 'disconnect' event run. A thread runs beside that loop: it kills the process once
 * it is orphaned (its parent pid changed), or past the same memory cap.
 */
import { Worker } from 'node:worker_threads';

const CHECK_EVERY_MS = 50;

const GUARD_SOURCE = `
const { workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
function rss() {
  try { return Number(/^VmRSS:\\s+(\\d+) kB/m.exec(readFileSync('/proc/self/status', 'latin1'))[1]) * 1024; } catch { return 0; }
}
setInterval(() => {
  if (process.ppid !== workerData.ppid || rss() > workerData.maxBytes) process.kill(process.pid, 'SIGKILL');
}, ${CHECK_EVERY_MS});
`;

export function startOrphanGuard(maxBytes: number): void {
  const guard = new Worker(GUARD_SOURCE, { eval: true, workerData: { ppid: process.ppid, maxBytes }, env: {}, stdin: false });
  // The guard never keeps the process alive by itself.
  guard.unref();
}
