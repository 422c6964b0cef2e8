/**
 * Static checks of the container setup: docker/compose.yml, docker/Dockerfile,
 * docker/postgres-init.sql and .dockerignore. There is no Docker engine where
 * the tests run, so this checks what can be checked without one: structure,
 * health checks, scalability of the worker, Redis/Postgres settings, pinned images,
 * that the containers start the compiled apps with Node directly, and that every
 * variable of .env.example reaches the apps. (test/docker/runtime-deps.test.ts
 * runs the runtime stage's dependency set for real.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// ---------------------------------------------------------------------------
// Locating and loading the files
// ---------------------------------------------------------------------------

/** The repository root: the nearest directory up from this file with package.json and docker/. */
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const docker = join(dir, 'docker');
    if (existsSync(join(dir, 'package.json')) && existsSync(docker) && statSync(docker).isDirectory()) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no directory with package.json and docker/ above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

const ROOT = findRepoRoot();
const DOCKER_DIR = join(ROOT, 'docker');
const read = (path: string): string => readFileSync(path, 'utf8');

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}
interface Service {
  image?: string;
  env_file?: string | (string | { path: string; required?: boolean })[];
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Dict | string[];
  ports?: unknown[];
  volumes?: unknown[];
  container_name?: string;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: Healthcheck;
  stop_grace_period?: string;
}
interface ComposeFile {
  services?: Record<string, Service>;
  volumes?: Dict;
}

function loadCompose(): { text: string; doc: ComposeFile } {
  const text = read(join(DOCKER_DIR, 'compose.yml'));
  // Compose supports YAML merge keys (`<<: *anchor`); YAML 1.2 needs them switched on.
  const doc: unknown = parse(text, { merge: true });
  assert.ok(isDict(doc), 'docker/compose.yml must be a YAML mapping');
  return { text, doc: doc };
}

function service(doc: ComposeFile, name: string): Service {
  const s = doc.services?.[name];
  assert.ok(isDict(s), `compose.yml has no service "${name}"`);
  return s;
}

function packageScripts(): Set<string> {
  const pkg = JSON.parse(read(join(ROOT, 'package.json'))) as { scripts?: Record<string, string> };
  return new Set(Object.keys(pkg.scripts ?? {}));
}

/** A compose command/entrypoint/healthcheck test as one shell-like string. */
const asCommandLine = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join(' ') : (v ?? ''));

/** A service's environment as a map, whichever of the two compose forms it uses. */
function envOf(s: Service): Record<string, string> {
  const env = s.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((e) => {
        const i = String(e).indexOf('=');
        return i < 0 ? [String(e), ''] : [String(e).slice(0, i), String(e).slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env ?? {}).map(([k, v]) => [
      k,
      v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean),
    ]),
  );
}

// ---------------------------------------------------------------------------
// npm invocations
// ---------------------------------------------------------------------------

/** npm's own commands that do not run a package.json script and that the images may use. */
const NPM_BUILTINS = new Set(['ci', 'install', 'i', 'prune', 'cache', 'config', 'ls', 'rebuild', 'dedupe', 'audit']);
/** `npm start` and friends are shorthands for `npm run <name>`. */
const NPM_SCRIPT_SHORTHANDS = new Set(['start', 'stop', 'restart', 'test', 't']);

type NpmUse = { line: string; kind: 'builtin'; command: string } | { line: string; kind: 'script'; script: string };

/** Every npm invocation in a shell command line (split on && || ; |). */
function npmUses(line: string): NpmUse[] {
  const uses: NpmUse[] = [];
  for (const part of line.split(/&&|\|\||;|\|/)) {
    const tokens = part
      .trim()
      .split(/\s+/)
      .map((t) => t.replace(/^["']|["']$/g, ''));
    const at = tokens.findIndex((t) => t === 'npm' || t.endsWith('/npm'));
    if (at < 0) continue;
    const args = tokens.slice(at + 1).filter((t) => t !== '' && !t.startsWith('-'));
    const [command, next] = args;
    if (command === undefined) {
      uses.push({ line, kind: 'script', script: '<npm without a command>' });
    } else if (command === 'run' || command === 'run-script') {
      uses.push({ line, kind: 'script', script: next ?? '<npm run without a script>' });
    } else if (NPM_SCRIPT_SHORTHANDS.has(command)) {
      uses.push({ line, kind: 'script', script: command === 't' ? 'test' : command });
    } else if (NPM_BUILTINS.has(command)) {
      uses.push({ line, kind: 'builtin', command });
    } else {
      // Anything else would be an npm command we do not expect in an image: treat it
      // as a script name so that the check below reports it.
      uses.push({ line, kind: 'script', script: command });
    }
  }
  return uses;
}

function assertScriptsExist(uses: NpmUse[], where: string): void {
  const scripts = packageScripts();
  const missing = uses.filter((u): u is Extract<NpmUse, { kind: 'script' }> => u.kind === 'script' && !scripts.has(u.script));
  assert.deepEqual(
    missing.map((u) => `${u.script}  (in: ${u.line})`),
    [],
    `${where} runs npm scripts that package.json does not define (has: ${[...scripts].join(', ')})`,
  );
}

// ---------------------------------------------------------------------------
// Dockerfile
// ---------------------------------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function dockerfileInstructions(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (current !== '' && line.startsWith('#')) continue; // comments inside a continued instruction
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  if (current.trim() !== '') logical.push(current);
  return logical.map((l) => {
    const m = /^(\S+)\s*(.*)$/s.exec(l.trim())!;
    return { keyword: m[1]!.toUpperCase(), args: m[2]!.trim() };
  });
}

/** RUN/CMD/ENTRYPOINT arguments as a command line (exec form JSON arrays joined). */
function instructionCommandLine(args: string): string {
  if (args.startsWith('[')) {
    try {
      const arr: unknown = JSON.parse(args);
      if (Array.isArray(arr)) return arr.map(String).join(' ');
    } catch {
      /* not valid JSON: Docker runs it as a shell string too */
    }
  }
  return args;
}

/** Instructions of each stage (index 0 = first FROM). */
function stages(instructions: Instruction[]): Instruction[][] {
  const out: Instruction[][] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') out.push([]);
    out.at(-1)?.push(ins);
  }
  return out;
}

/** Replaces ${NAME} / $NAME with the defaults of the ARGs declared before the first FROM. */
function resolveGlobalArgs(instructions: Instruction[], value: string): string {
  const defaults = new Map<string, string>();
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') break;
    if (ins.keyword === 'ARG') {
      const [name = '', def = ''] = ins.args.split('=', 2);
      defaults.set(name.trim(), def.trim().replace(/^["']|["']$/g, ''));
    }
  }
  return value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name: string) => defaults.get(name) ?? whole);
}

// ---------------------------------------------------------------------------
// Durations and environment variable references
// ---------------------------------------------------------------------------

/** Compose durations ("60s", "1m30s", "1500ms") in seconds. */
function durationSeconds(v: string | undefined): number {
  if (v === undefined) return 0;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6 };
  let total = 0;
  const text = String(v).trim();
  const re = /(\d+(?:\.\d+)?)(ms|us|h|m|s)/g;
  let consumed = '';
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * units[m[2]!]!;
    consumed += m[0];
  }
  assert.equal(consumed, text, `"${v}" is not a compose duration`);
  return total;
}

/** Every string value in a parsed YAML document (comments are not part of it). */
function allStrings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(allStrings);
  if (isDict(v)) return Object.values(v).flatMap(allStrings);
  return [];
}

/** Names compose would interpolate: ${NAME...} and $NAME, with $$ being a literal $. */
function interpolatedNames(value: string): string[] {
  const s = value.replace(/\$\$/g, '');
  const names = new Set<string>();
  for (const m of s.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
  for (const m of s.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
  return [...names];
}

/** The variables .env.example documents, with their example values. */
function envExample(): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of read(join(ROOT, '.env.example')).split(/\r?\n/)) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) vars.set(m[1]!, m[2]!);
  }
  return vars;
}

/** Compose's interpolation of one value: ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?err}, $$. */
function interpolate(value: string, vars: Map<string, string>): string {
  return value
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g, (_whole, name: string, colon: string, op: string, arg: string) => {
      const v = vars.get(name);
      const missing = v === undefined || (colon === ':' && v === '');
      if (op === '?' && missing) throw new Error(`compose would refuse to start: ${arg}`);
      return op === '-' && missing ? arg : (v ?? '');
    })
    .replace(/\$\$/g, '$');
}

/** The header comment of compose.yml (the lines before the first key). */
const composeHeader = (text: string): string => text.slice(0, text.search(/^[^\s#]/m));

/** What the stack sets itself (connection URLs to its own services, ...), overriding .env: each is named in the header. */
const STACK_OWN = ['NODE_ENV', 'PORT', 'DATABASE_URL', 'DATABASE_MIGRATION_URL', 'DATABASE_PLATFORM_URL', 'REDIS_URL'];
const WORKER_OWN = ['DB_POOL_MIN', 'DB_POOL_MAX', 'WORKER_HEARTBEAT_FILE'];

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

const APP_SERVICES = ['migrate', 'api', 'worker'] as const;
const HEALTHCHECKED = ['postgres', 'redis', 'api', 'worker'] as const;

describe('docker/compose.yml', () => {
  it('parses and defines postgres, redis, migrate, api and worker', () => {
    const { doc } = loadCompose();
    assert.ok(isDict(doc.services), 'compose.yml has no services mapping');
    for (const name of ['postgres', 'redis', 'migrate', 'api', 'worker']) service(doc, name);
  });

  it('gives postgres, redis, api and worker a health check with a test command', () => {
    const { doc } = loadCompose();
    for (const name of HEALTHCHECKED) {
      const hc = service(doc, name).healthcheck;
      assert.ok(isDict(hc), `${name} has no healthcheck`);
      assert.notEqual(hc.disable, true, `${name}'s healthcheck is disabled`);
      const t = hc.test;
      if (Array.isArray(t)) {
        assert.ok(['CMD', 'CMD-SHELL'].includes(t[0]), `${name}'s healthcheck test must start with CMD or CMD-SHELL, got ${t[0]}`);
        assert.ok(t.length >= 2 && t.slice(1).join('').trim() !== '', `${name}'s healthcheck test has no command`);
      } else {
        assert.ok(typeof t === 'string' && t.trim() !== '', `${name}'s healthcheck has no test command`);
      }
    }
  });

  it('health checks probe the right things', () => {
    const { doc } = loadCompose();
    const testOf = (name: string) => asCommandLine(service(doc, name).healthcheck?.test);
    assert.match(testOf('postgres'), /pg_isready/, 'postgres should be probed with pg_isready');
    assert.match(testOf('redis'), /redis-cli\b.*\bping/i, 'redis should be probed with redis-cli ping');
    assert.match(testOf('api'), /\/health\/ready/, 'api should be probed on /health/ready');
    assert.doesNotMatch(testOf('api'), /\bcurl\b|\bwget\b/, 'the image has neither curl nor wget');
    assert.match(testOf('worker'), /\/tmp\/worker-heartbeat/, 'worker should be probed on its heartbeat file');
  });

  it('keeps the worker scalable: no container_name, no ports, a graceful stop period', () => {
    const { doc } = loadCompose();
    const worker = service(doc, 'worker');
    assert.equal(worker.container_name, undefined, 'worker must not set container_name (breaks --scale)');
    assert.ok(worker.ports === undefined || worker.ports.length === 0, 'worker must not publish ports (breaks --scale)');
    assert.ok(
      durationSeconds(worker.stop_grace_period) >= 30,
      `worker needs stop_grace_period >= 30s to finish running jobs, has ${worker.stop_grace_period ?? 'none'}`,
    );
  });

  it('runs redis with noeviction and append-only persistence', () => {
    const { doc } = loadCompose();
    const redis = service(doc, 'redis');
    assert.match(String(redis.image), /^redis:7/, 'redis should be Redis 7');
    const cmd = asCommandLine(redis.command);
    assert.match(cmd, /--maxmemory-policy\s+noeviction\b/, `redis must use noeviction (BullMQ), command: ${cmd}`);
    assert.match(cmd, /--appendonly\s+yes\b/, `redis must use appendonly yes, command: ${cmd}`);
    assert.ok(
      (redis.volumes ?? []).some((v) => String(v).endsWith(':/data')),
      'redis data should live on a volume',
    );
  });

  it('pins every image it pulls to an exact version', () => {
    const { doc } = loadCompose();
    const pulled = Object.entries(doc.services ?? {}).filter(([, s]) => s.build === undefined);
    assert.ok(pulled.length >= 2, 'postgres and redis are pulled images');
    for (const [name, s] of pulled) {
      const [, tag = ''] = String(s.image).split(':');
      assert.notEqual(tag, 'latest', `${name}: ${s.image}`);
      assert.match(tag, /^\d+\.\d+\.\d+\b/, `${name}: ${s.image} is not pinned to an exact version (x.y.z)`);
    }
  });

  it('runs postgres 16 with pgvector 0.8 with a volume and the provisioning script', () => {
    const { doc } = loadCompose();
    const pg = service(doc, 'postgres');
    assert.match(String(pg.image), /^pgvector\/pgvector:0\.8\.\d+-pg16$/);
    const volumes = (pg.volumes ?? []).map(String);
    assert.ok(
      volumes.some((v) => v.endsWith(':/var/lib/postgresql/data')),
      'postgres data should live on a volume',
    );
    const init = volumes.find((v) => /:\/docker-entrypoint-initdb\.d\//.test(v));
    assert.ok(init, 'postgres needs an init script mounted into /docker-entrypoint-initdb.d/');
    const hostPath = resolve(DOCKER_DIR, init.split(':')[0]!);
    assert.ok(existsSync(hostPath), `the mounted init script ${hostPath} does not exist`);
    const sql = read(hostPath);
    assert.match(sql, /CREATE EXTENSION IF NOT EXISTS vector/i, 'init script must create the vector extension');
    const owner = /CREATE ROLE rag_owner\b([^;]*);/i.exec(sql);
    assert.ok(owner, 'init script must create rag_owner');
    // The migrations create the roles the apps connect as (rag_app, rag_platform): one place for them.
    assert.match(owner[1]!, /\bCREATEROLE\b/i, 'rag_owner must be CREATEROLE, so that the migrations can create rag_app');
    assert.match(owner[1]!, /\bNOSUPERUSER\b/i, 'rag_owner must be NOSUPERUSER');
    assert.doesNotMatch(sql, /CREATE ROLE rag_(app|platform)\b/i, "rag_app and rag_platform are the migrations' to create");
    assert.match(sql, /CREATE DATABASE %I OWNER rag_owner/i, 'the database must be owned by rag_owner');
  });

  it('starts the apps in order: migrate after postgres, api and worker after migrate succeeded', () => {
    const { doc } = loadCompose();
    const conditions = (name: string): Record<string, string | undefined> => {
      const d = service(doc, name).depends_on;
      assert.ok(isDict(d), `${name}.depends_on must be a mapping with conditions`);
      return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, isDict(v) ? String(v.condition) : undefined]));
    };
    assert.equal(conditions('migrate').postgres, 'service_healthy');
    for (const name of ['api', 'worker']) {
      const c = conditions(name);
      assert.equal(c.postgres, 'service_healthy', `${name} must wait for postgres to be healthy`);
      assert.equal(c.redis, 'service_healthy', `${name} must wait for redis to be healthy`);
      assert.equal(c.migrate, 'service_completed_successfully', `${name} must wait for migrate to succeed`);
    }
  });

  it('builds the apps from the repository root with docker/Dockerfile and starts them with node dist/...', () => {
    const { doc } = loadCompose();
    const expected: Record<(typeof APP_SERVICES)[number], string> = {
      migrate: 'node --enable-source-maps dist/apps/migrate/main.js',
      api: 'node --enable-source-maps dist/apps/api/src/main.js',
      worker: 'node --enable-source-maps dist/apps/worker/src/main.js',
    };
    for (const name of APP_SERVICES) {
      const s = service(doc, name);
      assert.ok(isDict(s.build), `${name} must have a build section`);
      const context = resolve(DOCKER_DIR, String(s.build.context ?? '.'));
      assert.equal(context, ROOT, `${name} must build from the repository root`);
      const dockerfile = resolve(context, String(s.build.dockerfile ?? 'Dockerfile'));
      assert.equal(dockerfile, join(DOCKER_DIR, 'Dockerfile'), `${name} must build docker/Dockerfile`);
      assert.equal(asCommandLine(s.command).trim(), expected[name]);
      // The compiled file comes from a source the production build (tsconfig.build.json) compiles.
      const source = expected[name]
        .split(' ')
        .at(-1)!
        .replace(/^dist\//, '')
        .replace(/\.js$/, '.ts');
      assert.ok(existsSync(join(ROOT, source)), `${name} starts ${expected[name]}, but ${source} does not exist`);
    }
    const apiPorts = (service(doc, 'api').ports ?? []).map(String);
    assert.ok(
      apiPorts.some((p) => /3000/.test(p)),
      `api must publish port 3000, has ${apiPorts.join(', ') || 'none'}`,
    );
  });

  it('connects the apps as rag_app and migrates as rag_owner', () => {
    const { doc } = loadCompose();
    for (const name of APP_SERVICES) {
      const env = envOf(service(doc, name));
      for (const v of ['DATABASE_URL', 'DATABASE_MIGRATION_URL', 'REDIS_URL', 'ADMIN_API_KEY', 'JWT_SECRET']) {
        assert.ok(v in env, `${name} lacks ${v}`);
      }
      assert.match(env.DATABASE_URL ?? '', /rag_app/, `${name}'s default DATABASE_URL must use the runtime role rag_app`);
      assert.match(env.DATABASE_MIGRATION_URL ?? '', /rag_owner/, `${name}'s default DATABASE_MIGRATION_URL must use rag_owner`);
      assert.match(
        env.DATABASE_PLATFORM_URL ?? '',
        /rag_platform/,
        `${name}'s default DATABASE_PLATFORM_URL must use the platform role rag_platform`,
      );
    }
  });

  it('requires the secrets instead of defaulting them', () => {
    const { doc } = loadCompose();
    const values = allStrings(doc);
    for (const secret of ['ADMIN_API_KEY', 'JWT_SECRET']) {
      const refs = values.filter((v) => interpolatedNames(v).includes(secret));
      assert.ok(refs.length > 0, `${secret} is never passed to the apps`);
      for (const ref of refs) {
        assert.match(ref, new RegExp(`\\$\\{${secret}:?\\?`), `${secret} must be required with \${${secret}:?...}, found ${ref}`);
      }
    }
  });

  it('interpolates only documented variables: those of .env.example, or ones its header comment names', () => {
    const { text, doc } = loadCompose();
    const names = new Set(allStrings(doc).flatMap(interpolatedNames));
    assert.ok(names.size > 0, 'compose.yml interpolates no variables at all');
    const documented = envExample();
    const header = composeHeader(text);
    const unknown = [...names].filter((n) => !documented.has(n) && !n.startsWith('POSTGRES_') && !header.includes(n)).sort();
    assert.deepEqual(unknown, [], `compose.yml interpolates undocumented variables: ${unknown.join(', ')}`);
  });

  it('passes every variable of .env.example to migrate, api and worker (env_file), overriding only what its header names', () => {
    const { text, doc } = loadCompose();
    const header = composeHeader(text);
    // A .env copied from .env.example, every value made recognisable. Run from the repository root,
    // compose reads that file twice: as the services' env_file and for interpolating compose.yml.
    const dotenv = new Map([...envExample().keys()].map((k) => [k, `from-dotenv-${k}`]));
    for (const name of APP_SERVICES) {
      const s = service(doc, name);
      const files = (Array.isArray(s.env_file) ? s.env_file : s.env_file === undefined ? [] : [s.env_file]).map((f) =>
        typeof f === 'string' ? { path: f, required: true } : f,
      );
      const dotenvFile = files.find((f) => resolve(DOCKER_DIR, f.path) === join(ROOT, '.env'));
      assert.ok(dotenvFile, `${name} must read the repository's .env as its env_file`);
      assert.equal(dotenvFile.required, false, `${name}: the .env must be optional (required: false)`);
      const container = new Map(dotenv);
      for (const [k, v] of Object.entries(envOf(s))) container.set(k, interpolate(v, dotenv));
      const missing = [...dotenv.keys()].filter((k) => !container.has(k));
      assert.deepEqual(missing, [], `${name} does not receive ${missing.join(', ')}`);
      const overridden = [...dotenv.keys()].filter((k) => container.get(k) !== dotenv.get(k)).sort();
      const allowed = new Set([...STACK_OWN, ...(name === 'worker' ? WORKER_OWN : [])]);
      assert.deepEqual(
        overridden.filter((k) => !allowed.has(k)),
        [],
        `${name} overrides .env values it should pass through`,
      );
      const unnamed = overridden.filter((k) => !header.includes(k));
      assert.deepEqual(unnamed, [], `the header comment must say that compose sets ${unnamed.join(', ')} itself`);
    }
  });

  it('starts no npm, shell script or toolchain in the containers', () => {
    const { doc } = loadCompose();
    for (const name of APP_SERVICES) {
      const s = service(doc, name);
      const line = `${asCommandLine(s.entrypoint)} ${asCommandLine(s.command)}`;
      assert.deepEqual(npmUses(line), [], `${name} runs npm: ${line}`);
      assert.doesNotMatch(line, /\.sh\b|\bbash\b|\bsh\b/, `${name} runs a shell script: ${line}`);
    }
  });
});

describe('docker/Dockerfile', () => {
  const load = () => dockerfileInstructions(read(join(DOCKER_DIR, 'Dockerfile')));

  it('is multi-stage on the pinned Node of .nvmrc', () => {
    const instructions = load();
    const froms = instructions.filter((i) => i.keyword === 'FROM');
    assert.ok(froms.length >= 2, `expected at least two FROM stages, found ${froms.length}`);
    const external = froms
      .map((f) => resolveGlobalArgs(instructions, f.args.split(/\s+/)[0]!))
      .filter((image) => image.includes(':') || image.includes('/'));
    assert.ok(external.length > 0, 'no FROM names a base image');
    const nvmrc = read(join(ROOT, '.nvmrc')).trim().replace(/^v/, '');
    for (const image of external) {
      const m = /^(?:docker\.io\/(?:library\/)?)?node:(\d+\.\d+\.\d+)-/.exec(image);
      assert.ok(m, `base image ${image} is not node:x.y.z-...`);
      assert.equal(m[1], nvmrc, `base image ${image} is not the Node of .nvmrc (${nvmrc})`);
    }
  });

  it('builds with tsconfig.build.json, which compiles the apps and libs only', () => {
    const pkg = JSON.parse(read(join(ROOT, 'package.json'))) as { scripts: Record<string, string> };
    assert.match(pkg.scripts.build ?? '', /tsconfig\.build\.json/);
    const { include } = JSON.parse(read(join(ROOT, 'tsconfig.build.json'))) as { include: string[] };
    assert.ok(include.length > 0);
    for (const pattern of include) assert.match(pattern, /^(apps|libs)\//, `tsconfig.build.json includes ${pattern}`);
  });

  it('runs the final stage as a non-root user in production mode', () => {
    const final = stages(load()).at(-1) ?? [];
    const users = final.filter((i) => i.keyword === 'USER').map((i) => i.args.split(':')[0]!.trim());
    assert.ok(users.length > 0, 'the final stage has no USER instruction (it would run as root)');
    const user = users.at(-1)!;
    assert.ok(!['root', '0'].includes(user), `the final stage runs as ${user}`);
    const env = final
      .filter((i) => i.keyword === 'ENV')
      .map((i) => i.args)
      .join(' ');
    assert.match(env, /\bNODE_ENV[= ]production\b/, 'the final stage must set NODE_ENV=production');
    const expose = final
      .filter((i) => i.keyword === 'EXPOSE')
      .map((i) => i.args)
      .join(' ');
    assert.match(expose, /\b3000\b/, 'the final stage must EXPOSE 3000');
  });

  it('ships the compiled app, the production modules and package.json, and starts node dist/... directly', () => {
    const all = stages(load());
    const final = all.at(-1) ?? [];
    const copies = final.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD').map((i) => i.args);
    // The stage each COPY --from names, and what that stage runs.
    const stageRuns = (copy: string | undefined): string => {
      const from = /--from=(\S+)/.exec(copy ?? '')?.[1];
      const stage = all.find((st) => st[0]?.args.split(/\s+/).at(-1) === from);
      return (stage ?? [])
        .filter((i) => i.keyword === 'RUN')
        .map((i) => instructionCommandLine(i.args))
        .join(' && ');
    };
    assert.match(
      stageRuns(copies.find((c) => /\bnode_modules\b/.test(c))),
      /\bnpm ci\b.*--omit=dev/,
      'node_modules must be the production set',
    );
    assert.match(stageRuns(copies.find((c) => /\bdist\b/.test(c))), /\bnpm run build\b/, 'dist must come from `npm run build`');
    for (const forbidden of ['scripts', 'test', 'bench', 'src', 'apps', 'libs']) {
      assert.ok(
        !copies.some((c) => c.split(/\s+/).some((t) => t.replace(/^\.\//, '').replace(/\/+$/, '') === forbidden)),
        `the final stage copies ${forbidden}`,
      );
    }
    const runs = final.filter((i) => ['RUN', 'CMD', 'ENTRYPOINT'].includes(i.keyword)).map((i) => instructionCommandLine(i.args));
    assert.deepEqual(runs.flatMap(npmUses), [], 'the final stage runs npm');
    for (const needed of ['dist', 'node_modules', 'package.json']) {
      assert.ok(
        copies.some((c) => c.split(/\s+/).some((t) => t.replace(/\/+$/, '').endsWith(needed))),
        `the final stage does not copy ${needed}`,
      );
    }
    const cmd = final.filter((i) => i.keyword === 'CMD').at(-1);
    assert.ok(cmd, 'the final stage has no CMD');
    assert.ok(cmd.args.startsWith('['), 'CMD in exec form: no shell between Docker (or init) and Node, which gets the signals');
    assert.equal(instructionCommandLine(cmd.args), 'node --enable-source-maps dist/apps/api/src/main.js');
    assert.equal(final.filter((i) => i.keyword === 'ENTRYPOINT').length, 0, 'no ENTRYPOINT wraps the command');
  });

  it('installs with npm ci, builds with npm run build and prunes dev dependencies', () => {
    const lines = load()
      .filter((i) => i.keyword === 'RUN')
      .map((i) => instructionCommandLine(i.args));
    assert.ok(
      lines.some((l) => /\bnpm ci\b(?!.*--omit=dev)/.test(l)),
      'no stage runs a full `npm ci`',
    );
    assert.ok(
      lines.some((l) => /\bnpm run build\b/.test(l)),
      'no stage runs `npm run build`',
    );
    assert.ok(
      lines.some((l) => /\bnpm ci\b.*--omit=dev/.test(l) || /\bnpm prune\b.*--omit=dev/.test(l)),
      'no stage installs production dependencies only',
    );
  });

  it('only runs npm scripts that package.json defines', () => {
    const lines = load()
      .filter((i) => ['RUN', 'CMD', 'ENTRYPOINT'].includes(i.keyword))
      .map((i) => instructionCommandLine(i.args));
    const uses = lines.flatMap(npmUses);
    assert.ok(
      uses.some((u) => u.kind === 'script'),
      'the Dockerfile runs no npm script at all',
    );
    assertScriptsExist(uses, 'docker/Dockerfile');
  });
});

describe('.dockerignore', () => {
  it('keeps local artefacts and secrets out of the build context', () => {
    const path = join(ROOT, '.dockerignore');
    assert.ok(existsSync(path), '.dockerignore is missing');
    const entries = new Set(
      read(path)
        .split(/\r?\n/)
        .map((l) => l.trim().replace(/\/+$/, ''))
        .filter((l) => l && !l.startsWith('#')),
    );
    const missing = ['node_modules', 'dist', '.cache', '.git', 'test', 'bench', '*.log', '.env'].filter((e) => !entries.has(e));
    // What the build stage compiles from must stay in the context.
    const needed = ['package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'tsconfig.build.json', 'apps', 'libs'];
    assert.deepEqual(
      needed.filter((e) => entries.has(e)),
      [],
      '.dockerignore leaves out what `npm ci` and `npm run build` need',
    );
    assert.deepEqual(missing, [], `.dockerignore lacks ${missing.join(', ')}`);
  });
});
