import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The package's bin launcher (package.json "bin"), as `npx ragdocs` runs it. */
export const RAGDOCS_BIN = fileURLToPath(new URL('../../../bin/ragdocs.js', import.meta.url));

/**
 * One run of the `ragdocs` CLI as a child process, stdout a pipe (so: plain line-per-file
 * mode). Collects its output and lets a test act when a line appears (interrupt it half-way).
 */
export class CliRun {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly watchers: { test: (line: string) => boolean; act: () => void }[] = [];
  private partial = '';

  private constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
      const lines = (this.partial + d).split('\n');
      this.partial = lines.pop()!;
      for (const line of lines) for (const w of this.watchers) if (w.test(line)) w.act();
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(args: string[], env: Record<string, string | undefined> = {}): CliRun {
    // An undefined value removes the variable (RAGDOCS_KEY from the developer's shell, say).
    const merged = Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined));
    const child = spawn(process.execPath, [RAGDOCS_BIN, ...args], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
    return new CliRun(child);
  }

  /** Calls `act` once, on the `count`-th output line that matches. */
  onLine(pattern: RegExp, count: number, act: () => void): void {
    let seen = 0;
    this.watchers.push({ test: (line) => pattern.test(line) && ++seen === count, act });
  }

  lines(pattern: RegExp): string[] {
    return this.stdout.split('\n').filter((l) => pattern.test(l));
  }
}
