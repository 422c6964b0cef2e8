import { readFileSync } from 'node:fs';

/** Linux only: elsewhere there is no /proc and the RSS watchdog of parse-sandbox stays idle. */
export const canReadRss = process.platform === 'linux';

/**
 * Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS: every page
 * it has in RAM: JS heap, ArrayBuffers, native allocations, code). Null when the
 * process is gone or /proc is unavailable. About 20 µs a call.
 */
export function readRssBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
