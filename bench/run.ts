/**
 * `npm run bench`: runs the bench modules one after another, each as its own
 * Node process (search, writes, api), collects the Markdown each prints on
 * stdout (their progress goes to stderr, straight through) and writes
 * bench/RESULTS.md: the machine, the PostgreSQL settings, the exact command,
 * the date and every section's figures.
 *
 *   npm run bench                                   # everything
 *   npm run bench -- --only writes,api              # some parts
 *   BENCH_WRITE_ROWS=1000 npm run bench -- --only writes --out /tmp/RESULTS.md
 *
 * scripts/run.sh first provisions PostgreSQL (pgvector), Redis and the roles
 * and builds; each module drops, re-creates and migrates its own database
 * (ragdocs_bench_*). Sizes are the modules' own env knobs (BENCH_*), listed at
 * the top of each module. Exits 1 when any part failed (the file is written
 * anyway, with the failure in that part's section).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pkgVersion } from './support.js';

interface Part {
  key: string;
  title: string;
  file: string;
  onlyWhenAsked?: boolean;
}
const PARTS: Part[] = [
  { key: 'search', title: 'Search (bench/search.bench.ts)', file: 'search.bench.js' },
  { key: 'writes', title: 'Chunk writes (bench/writes.bench.ts)', file: 'writes.bench.js' },
  { key: 'api', title: 'API load and ingestion (bench/api.bench.ts)', file: 'api.bench.js' },
  { key: 'abuse', title: 'Capacity isolation (bench/abuse.bench.ts)', file: 'abuse.bench.js' },
  // Not in a plain `npm run bench`: it needs the local Citus cluster (scripts/citus-cluster.sh); `--only citus`.
  { key: 'citus', title: 'Citus: one node against a 3-node cluster (bench/citus.bench.ts)', file: 'citus.bench.js', onlyWhenAsked: true },
];

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench
const ROOT = resolve(HERE, '../..');
/** Settings that shape these measurements (memory, parallelism, JIT, durability, planner costs). */
const PG_SETTINGS = [
  'shared_buffers',
  'effective_cache_size',
  'work_mem',
  'maintenance_work_mem',
  'max_connections',
  'max_worker_processes',
  'max_parallel_workers',
  'max_parallel_workers_per_gather',
  'max_parallel_maintenance_workers',
  'jit',
  'synchronous_commit',
  'fsync',
  'full_page_writes',
  'wal_level',
  'max_wal_size',
  'checkpoint_timeout',
  'random_page_cost',
  'effective_io_concurrency',
  'huge_pages',
  'shared_preload_libraries',
];
/**
 * What scripts/services.sh sets up outside postgresql.conf (bench/LAYOUT.md, section 10), read from the postmaster's
 * /proc entry when the server runs on this machine: its shared memory in huge pages, and glibc's malloc thresholds.
 */
async function serverProcess(c: pg.Client): Promise<string[]> {
  try {
    const [{ pid }] = (await c.query(`SELECT split_part(pg_read_file('postmaster.pid'), E'\\n', 1) AS pid`)).rows;
    // A server in a container names its own pid (often 1): another process of this machine's /proc, not the server.
    if (readFileSync(`/proc/${Number(pid)}/comm`, 'utf8').trim() !== 'postgres') return [];
    const rollup = readFileSync(`/proc/${Number(pid)}/smaps_rollup`, 'utf8');
    const hugeKb = [...rollup.matchAll(/^(?:Shared|Private)_Hugetlb:\s+(\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
    const malloc = readFileSync(`/proc/${Number(pid)}/environ`, 'utf8')
      .split('\0')
      .filter((v) => v.startsWith('MALLOC_'));
    return [
      `| shared memory in huge pages (postmaster, /proc) | ${hugeKb > 0 ? `yes (${Math.round(hugeKb / 1024)} MB mapped so far)` : 'no'} |`,
      `| malloc environment (postmaster, /proc) | ${malloc.join(', ') || '(glibc defaults)'} |`,
    ];
  } catch {
    return []; // not a superuser, or the server is not on this machine
  }
}

/** Variables besides BENCH_* that change what is measured, shown in the command when set. */
const OTHER_KNOBS = [
  'EMBEDDING_DIMENSIONS',
  'WORKER_CONCURRENCY',
  'DB_POOL_MIN',
  'DB_POOL_MAX',
  'VECTOR_INDEX_MIN_ROWS',
  'VECTOR_INDEX_M',
  'VECTOR_INDEX_EF_CONSTRUCTION',
  'VECTOR_SEARCH_EF',
];

function usage(code: number): never {
  console.error(`usage: npm run bench [-- --only ${PARTS.map((p) => p.key).join(',')}] [--out FILE]`);
  process.exit(code);
}

function parseArgs(argv: string[]): { only: Part[]; out: string } {
  let only = PARTS.filter((p) => !p.onlyWhenAsked);
  let out = resolve(ROOT, 'bench/RESULTS.md');
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? usage(2);
    if (flag === '--only') {
      const keys = value()
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean);
      const unknown = keys.filter((k) => !PARTS.some((p) => p.key === k));
      if (unknown.length || !keys.length) {
        console.error(`bench: unknown part(s) ${unknown.join(', ') || '(none given)'}; parts: ${PARTS.map((p) => p.key).join(', ')}`);
        process.exit(2);
      }
      only = PARTS.filter((p) => keys.includes(p.key));
    } else if (flag === '--out') {
      out = resolve(process.cwd(), value());
    } else if (flag === '--help' || flag === '-h') {
      usage(0);
    } else {
      console.error(`bench: unknown argument ${argv[i]}`);
      usage(2);
    }
  }
  return { only, out };
}

const sh = (cmd: string, args: string[]) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};

function command(argv: string[]): string {
  const knobs = Object.keys(process.env)
    .filter((k) => k.startsWith('BENCH_') || OTHER_KNOBS.includes(k))
    .sort()
    .map((k) => `${k}=${process.env[k]}`);
  const args = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  const run =
    process.env.npm_lifecycle_event === 'bench'
      ? `npm run bench${args ? ` -- ${args}` : ''}`
      : `node dist/bench/run.js${args ? ` ${args}` : ''}`;
  return [...knobs, run].join(' ');
}

async function machine(): Promise<string[]> {
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  const cpus = os.cpus();
  const nproc = sh('nproc', []) ?? String(os.availableParallelism());
  const virt = sh('systemd-detect-virt', []);
  const lines = [
    `- CPUs: nproc ${nproc} (${cpus.length} online), ${cpus[0]?.model.trim() ?? 'unknown model'}`,
    `- RAM: ${gib(os.totalmem())} (${gib(os.freemem())} free at the start)`,
    `- Kernel: ${os.type()} ${os.release()} ${os.arch()}${virt && virt !== 'none' ? `, virtualisation: ${virt}` : ''}`,
    `- Load average at the start (1/5/15 min): ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' / ')}${cpuPressure()}`,
    `- Node ${process.versions.node}; pg ${pkgVersion('pg')}, typeorm ${pkgVersion('typeorm')}, @langchain/community ${pkgVersion('@langchain/community')}, @langchain/core ${pkgVersion('@langchain/core')}, autocannon ${pkgVersion('autocannon')}`,
  ];
  const commit = sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  if (commit)
    lines.push(
      `- Code: commit ${commit}${sh('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no']) ? ' plus uncommitted changes' : ''}`,
    );

  const adminUrl = process.env.DATABASE_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const c = new pg.Client({ connectionString: adminUrl, application_name: 'bench-run' });
  const settings: string[] = [];
  try {
    await c.connect();
    const [{ version }] = (await c.query(`SELECT version()`)).rows;
    const vector =
      (await c.query(`SELECT default_version FROM pg_available_extensions WHERE name = 'vector'`)).rows[0]?.default_version ??
      'not installed';
    const host = new URL(adminUrl);
    lines.push(`- PostgreSQL: ${version}; pgvector ${vector}; at ${host.hostname}:${host.port || 5432}`);
    const { rows } = await c.query(
      `SELECT name, current_setting(name) AS value FROM pg_settings WHERE name = ANY($1) ORDER BY array_position($1, name)`,
      [PG_SETTINGS],
    );
    settings.push('', 'PostgreSQL settings (server-wide; where a bench changes one for its own session, its section says so):', '');
    settings.push(
      '| setting | value |',
      '|---|---|',
      ...rows.map((r: { name: string; value: string }) => `| ${r.name} | ${r.value || '(empty)'} |`),
      ...(await serverProcess(c)),
    );
  } catch (e) {
    lines.push(`- PostgreSQL: not reachable (${e instanceof Error ? e.message : String(e)})`);
  } finally {
    await c.end().catch(() => undefined);
  }
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    const info = await redis.info('server');
    lines.push(`- Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'} at ${new URL(redisUrl).host}`);
  } catch {
    lines.push(`- Redis: not reachable at ${redisUrl}`);
  } finally {
    redis.disconnect();
  }
  return [...lines, ...settings];
}

interface Outcome {
  part: Part;
  code: number | null;
  seconds: number;
  stdout: string;
}

function runPart(part: Part): Promise<Outcome> {
  const file = resolve(HERE, part.file);
  const start = Date.now();
  if (!existsSync(file)) {
    return Promise.resolve({
      part,
      code: -1,
      seconds: 0,
      stdout: `(${file} does not exist: is bench/${part.file.replace(/\.js$/, '.ts')} built?)`,
    });
  }
  console.error(`\n=== bench: ${part.key} (${part.file}) ===`);
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--enable-source-maps', file], { env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', (e) => done({ part, code: -1, seconds: (Date.now() - start) / 1000, stdout: String(e) }));
    child.on('close', (code, signal) =>
      done({ part, code: code ?? (signal ? 128 : -1), seconds: (Date.now() - start) / 1000, stdout: stdout.trim() }),
    );
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { only, out } = parseArgs(argv);
  const started = new Date();
  const cmd = command(argv);
  const host = await machine();
  const outcomes: Outcome[] = [];
  for (const part of only) {
    const o = await runPart(part);
    outcomes.push(o);
    console.error(`=== bench: ${part.key} ${o.code === 0 ? 'done' : `FAILED (exit code ${o.code})`} in ${o.seconds.toFixed(0)} s ===`);
  }
  const seconds = (Date.now() - started.getTime()) / 1000;
  const failed = outcomes.filter((o) => o.code !== 0);

  const md: string[] = [];
  md.push('# Benchmark results', '');
  md.push(
    'Written by `npm run bench` (bench/run.ts) from the sections the bench modules print; run it again rather than editing the figures. ' +
      'How the search layout was chosen, with the measurements that chose it: [LAYOUT.md](LAYOUT.md).',
    '',
  );
  md.push(`- Date: ${started.toISOString().replace(/\.\d+Z$/, 'Z')}, ${seconds.toFixed(0)} s wall clock in total`);
  md.push(`- Command: \`${cmd}\``);
  md.push(
    `- Parts: ${outcomes.map((o) => `${o.part.key} (${o.seconds.toFixed(0)} s${o.code === 0 ? '' : `, FAILED with exit code ${o.code}`})`).join(', ')}` +
      `${
        PARTS.length > only.length
          ? `; not run: ${PARTS.filter((p) => !only.includes(p))
              .map((p) => p.key)
              .join(', ')}`
          : ''
      }`,
  );
  md.push(
    `- Load average at the end (1/5/15 min): ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' / ')}${cpuPressure()}`,
  );
  md.push('', '## Machine', '', ...host);
  for (const o of outcomes) {
    md.push('', `## ${o.part.title}`, '');
    if (o.code !== 0)
      md.push(
        `**Failed** (exit code ${o.code}, after ${o.seconds.toFixed(0)} s); its error is in the run's stderr. Output it printed, if any:`,
        '',
      );
    md.push(o.stdout || '(no output)');
  }
  writeFileSync(out, md.join('\n') + '\n');
  console.error(`\nbench: wrote ${out}${failed.length ? `; FAILED: ${failed.map((o) => o.part.key).join(', ')}` : ''}`);
  if (failed.length) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

/**
 * "; CPU pressure …" from /proc/pressure/cpu (Linux PSI): the share of time some runnable task waited for a CPU, which
 * on a shared virtual machine includes what its neighbours take. A load average of 7 on an idle 2-vCPU machine with
 * "some avg60=63" was such a day (1 Dec 2026): every figure of that run is slower than on a quiet day, ratios less so.
 */
function cpuPressure(): string {
  try {
    const some = readFileSync('/proc/pressure/cpu', 'utf8').match(/^some avg10=([\d.]+) avg60=([\d.]+) avg300=([\d.]+)/m);
    return some
      ? `; CPU pressure (PSI "some", % of time a task waited for a CPU, 10 s / 60 s / 300 s): ${some[1]} / ${some[2]} / ${some[3]}`
      : '';
  } catch {
    return '';
  }
}
