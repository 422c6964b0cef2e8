/**
 * The search-layout migration on a database that already holds chunks: it
 * must move them (vector -> halfvec stored inline, a write order for every
 * row), keep every row's id and text, drop the global HNSW index, and leave
 * search working and isolated. Then `down` must give the old layout back.
 * Runs in its own scratch database, created and dropped here.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../libs/config/config.js';
import { createRuntimeDataSource } from '../../libs/database/data-source.js';
import { vectorLiteral } from '../../libs/database/embeddings/vector-literal.js';
import { TenantDb } from '../../libs/database/tenant-db.js';
import { MIGRATIONS } from '../../libs/database/migrations/index.js';
import { SearchLayout1764000002000 } from '../../libs/database/migrations/1764000002000-search-layout.js';
import { SearchRepository } from '../../libs/retrieval/search.repository.js';
import { prng } from '../support/prng.js';

const DB = `ragdocs_test_layout_${randomUUID().slice(0, 6)}`;
const ROWS_PER_TENANT = 300;
// Before this layout, and this layout with every later migration (search reads what they add, e.g. embeddings.section).
const beforeLayout = MIGRATIONS.slice(0, MIGRATIONS.indexOf(SearchLayout1764000002000));
const fromLayout = MIGRATIONS.slice(MIGRATIONS.indexOf(SearchLayout1764000002000));

const url = (base: string) => {
  const u = new URL(base);
  u.pathname = `/${DB}`;
  return u.toString();
};
const adminBase = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ownerUrl = url(process.env.DATABASE_MIGRATION_URL!);
const runtimeUrl = url(process.env.DATABASE_URL!);

let maint: pg.Client;
let su: pg.Client;
const tenants = [randomUUID(), randomUUID()];
let dims: number;
let original: Map<string, { tenant: string; content: string; vec: number[] }>;

const owner = (migrations: unknown[]) =>
  new DataSource({
    type: 'postgres',
    url: ownerUrl,
    migrations: migrations as never,
    migrationsTransactionMode: 'all',
    installExtensions: false,
    entities: [],
  });
const cosine = (a: number[], b: number[]) => {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return d / Math.sqrt(na * nb);
};
const parseVec = (s: string) => s.slice(1, -1).split(',').map(Number);

before(async () => {
  maint = new pg.Client({ connectionString: adminBase });
  await maint.connect();
  await maint.query(`CREATE DATABASE ${DB} OWNER ${new URL(ownerUrl).username}`);
  su = new pg.Client({ connectionString: url(adminBase) });
  await su.connect();
  await su.query(
    `SET client_min_messages = warning; CREATE EXTENSION vector; GRANT CONNECT ON DATABASE ${DB} TO ${new URL(runtimeUrl).username}`,
  );

  const old = await owner(beforeLayout).initialize();
  await old.runMigrations({ transaction: 'all' });
  await old.destroy();
  const [{ typname, typmod }] = (
    await su.query(
      `SELECT t.typname, a.atttypmod AS typmod FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = 'embeddings'::regclass AND a.attname = 'embedding'`,
    )
  ).rows;
  assert.equal(typname, 'vector', 'the layout before the migration');
  dims = typmod;

  // Chunks as the old layout stored them, with its global HNSW index in place.
  const rnd = prng(7);
  original = new Map();
  for (const [i, t] of tenants.entries()) {
    const doc = randomUUID();
    await su.query(`INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)`, [t, `T${i}`, `layout-${i}-${t.slice(0, 6)}`]);
    await su.query(
      `INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status, progress, chunk_count)
                    VALUES ($1, $2, 'old.txt', 'text/plain', 1, $3, 'ready', 100, $4)`,
      [t, doc, `h-${doc}`, ROWS_PER_TENANT],
    );
    for (let k = 0; k < ROWS_PER_TENANT; k++) {
      const id = randomUUID();
      const vec = Array.from({ length: dims }, () => rnd.gauss());
      const content = `tenant ${i} chunk ${k} ${i === 0 ? 'alpha' : 'omega'}`;
      original.set(id, { tenant: t, content, vec });
      await su.query(
        `INSERT INTO embeddings (tenant_id, id, document_id, chunk_index, content, embedding, page_from, page_to, char_start, char_end, token_count, model)
                      VALUES ($1, $2, $3, $4, $5, $6, 1, 1, 0, 10, 5, 'old')`,
        [t, id, doc, k, content, vectorLiteral(vec)],
      );
    }
  }
});

after(async () => {
  await su?.end();
  await maint?.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await maint?.end();
});

test('up: every chunk moves to halfvec stored inline with a write order; the global index is gone; search works and stays isolated', async () => {
  const ds = await owner(MIGRATIONS).initialize();
  const ran = await ds.runMigrations({ transaction: 'all' });
  await ds.destroy();
  // This layout and every later migration (search reads what they add, e.g. embeddings.section).
  assert.deepEqual(
    ran.map((m) => m.name),
    fromLayout.map((m) => new m().name),
  );

  const {
    rows: [col],
  } = await su.query(
    `SELECT t.typname, a.attstorage FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = 'embeddings'::regclass AND a.attname = 'embedding'`,
  );
  assert.deepEqual(col, { typname: 'halfvec', attstorage: 'm' });
  const { rows } = await su.query(`SELECT id, tenant_id, content, embedding::vector::text AS v, seq FROM embeddings`);
  assert.equal(rows.length, original.size);
  assert.equal(new Set(rows.map((r) => r.seq)).size, rows.length, 'every row has its own seq');
  for (const r of rows) {
    const o = original.get(r.id)!;
    assert.ok(o, `row ${r.id} is not one of the originals`);
    assert.equal(r.tenant_id, o.tenant);
    assert.equal(r.content, o.content);
    assert.ok(cosine(parseVec(r.v), o.vec) > 0.9999, 'the vector survived the conversion to halfvec');
  }
  const { rows: idx } = await su.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'embeddings' AND indexdef ILIKE '%hnsw%'`);
  assert.deepEqual(idx, [], 'no global vector index any more');

  const config = loadConfig({ ...process.env, DATABASE_URL: runtimeUrl, DATABASE_MIGRATION_URL: ownerUrl });
  const rt = new TenantDb(await createRuntimeDataSource(config.database, { poolMax: 1, poolMin: 0 }).initialize());
  try {
    const repo = new SearchRepository(config.vectorIndex);
    const [someId, some] = [...original].find(([, o]) => o.tenant === tenants[0])!;
    for (const mode of ['vector', 'hybrid'] as const) {
      const hits = await rt.runFor(tenants[0]!, (m) =>
        repo.search(m, { tenantId: tenants[0]!, vector: some.vec, query: 'alpha', language: 'simple', topK: 5, mode }),
      );
      assert.equal(hits.length, 5);
      // (Hybrid fuses in keyword ranks, in which every row of this tenant ties: only the vector order is predictable.)
      if (mode === 'vector') assert.equal(hits[0]!.chunkId, someId, "the chunk's own vector finds it first");
      assert.ok(
        hits.every((h) => original.get(h.chunkId)!.tenant === tenants[0]),
        `${mode}: only the tenant's rows`,
      );
    }
    const kw = await rt.runFor(tenants[1]!, (m) =>
      repo.search(m, { tenantId: tenants[1]!, vector: some.vec, query: 'alpha', language: 'simple', topK: 5, mode: 'keyword' }),
    );
    assert.deepEqual(kw, [], "the other tenant's word finds nothing");
  } finally {
    await rt.dataSource.destroy();
  }
});

test('down: the previous layout comes back with the same rows', async () => {
  const ds = await owner(MIGRATIONS).initialize();
  for (const _ of fromLayout) await ds.undoLastMigration({ transaction: 'all' });
  await ds.destroy();
  const {
    rows: [col],
  } = await su.query(
    `SELECT t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = 'embeddings'::regclass AND a.attname = 'embedding'`,
  );
  assert.equal(col.typname, 'vector');
  assert.equal(Number((await su.query(`SELECT count(*) FROM embeddings`)).rows[0].count), original.size);
  const { rows: idx } = await su.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'embeddings' AND indexdef ILIKE '%hnsw%'`);
  assert.equal(idx.length, dims <= 2000 ? 1 : 0);
});
