/** Resident memory of processes, read from /proc (Linux), for the memory-bound tests. */
import { readdirSync, readFileSync } from 'node:fs';

/** VmRSS of one process in MB, 0 when it is gone. */
export function rssMb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The direct children of `pid` (scanning /proc: /proc/<pid>/task/<tid>/children is often not compiled in). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      // Fields after the command name, which is in parentheses and may contain spaces: state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return children;
}

/** Sum of the VmRSS of `pid`'s direct children, in MB. */
export function childProcessesRssMb(pid: number): number {
  return childPids(pid).reduce((sum, child) => sum + rssMb(child), 0);
}

/** A process and its direct children together, in MB. */
export function processTreeRssMb(pid: number): number {
  return rssMb(pid) + childProcessesRssMb(pid);
}
