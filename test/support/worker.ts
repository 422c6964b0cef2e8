import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER_MAIN = fileURLToPath(new URL('../../apps/worker/src/main.js', import.meta.url));

/** A real worker process (the same entry point as `npm run start:worker`). */
export class WorkerProcess {
  private output = '';
  private exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
    this.exited = new Promise((r) => child.on('exit', (code) => r(code)));
  }

  /** `main`: another compiled entry point (test/docker/runtime-deps.test.ts starts a copy with production modules only). */
  static async start(env: Record<string, string | undefined> = {}, main = WORKER_MAIN): Promise<WorkerProcess> {
    const child = spawn(process.execPath, ['--enable-source-maps', main], {
      env: { ...process.env, LOG_LEVEL: 'log', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const w = new WorkerProcess(child);
    const deadline = Date.now() + 30_000;
    while (!w.output.includes('started (concurrency')) {
      if (child.exitCode !== null) throw new Error(`worker exited at start-up:\n${w.output}`);
      if (Date.now() > deadline) throw new Error(`worker did not start:\n${w.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return w;
  }

  get log(): string {
    return this.output;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.alive) this.child.kill(signal);
    return this.exited;
  }

  /** SIGTERM and wait for the graceful exit. */
  stop(): Promise<number | null> {
    return this.kill('SIGTERM');
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
