import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../libs/config/config.js';
import { httpRequest, type HttpResult, type RequestOptions } from './api.js';

const API_MAIN = fileURLToPath(new URL('../../apps/api/src/main.js', import.meta.url));

/**
 * The real API in its own process (the same entry point as `npm run start:api`), for tests
 * that measure the process itself: its memory is read from /proc/<pid>/status, apart from
 * the test's own. Offers the same `request()` and `adminKey` as TestApi, so the support
 * helpers (createTenant, upload) work with either.
 */
export class ApiProcess {
  private output = '';
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly adminKey: string,
  ) {
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
    this.exited = new Promise((r) => child.on('exit', (code) => r(code)));
  }

  baseUrl = '';

  /** `main`: another compiled entry point (test/docker/runtime-deps.test.ts starts a copy with production modules only). */
  static async start(env: Record<string, string | undefined> = {}, main = API_MAIN): Promise<ApiProcess> {
    const merged = { ...process.env, LOG_LEVEL: 'log', PORT: '0', NO_COLOR: '1', ...env };
    const child = spawn(process.execPath, ['--enable-source-maps', main], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
    const api = new ApiProcess(child, loadConfig(merged).auth.adminApiKey);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const m = /API listening on (http:\/\/\S+?:\d+)/.exec(api.output);
      if (m) {
        api.baseUrl = m[1]!.replace('localhost', '127.0.0.1');
        break;
      }
      if (child.exitCode !== null) throw new Error(`API exited at start-up:\n${api.output}`);
      if (Date.now() > deadline) throw new Error(`API did not start:\n${api.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return api;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get log(): string {
    return this.output;
  }

  /** A field of /proc/<pid>/status in MB (VmRSS: resident now, VmHWM: the peak since start or resetPeak()). */
  memoryMb(field: 'VmRSS' | 'VmHWM'): number {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    if (!m) throw new Error(`no ${field} in /proc/${this.pid}/status`);
    return Number(m[1]) / 1024;
  }

  /** Resets VmHWM to the current RSS (Linux ≥ 4.0, the process's owner may), so a peak is measured from here. */
  resetPeak(): boolean {
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
      return true;
    } catch {
      return false;
    }
  }

  request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<HttpResult<T>> {
    return httpRequest<T>(this.baseUrl, method, path, opts);
  }

  /** SIGTERM and wait for the graceful exit (SIGKILL after 10 s). */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      try {
        return await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.exited;
  }
}
