/**
 * Citus only (`npm run test:citus`; not in `npm test`, whose database is a single node): the schema
 * as the migrations distribute it, Row-Level Security on every shard of every worker, the tenant
 * setting reaching the workers, and the hot paths each run on the one shard of their tenant.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { DocumentsRepository } from '../../apps/api/src/documents/documents.repository.js';
import { loadConfig } from '../../libs/config/config.js';
import { platformEmbeddingModel } from '../../libs/config/embedding-default.js';
import { createRuntimeDataSource } from '../../libs/database/data-source.js';
import { insertChunks } from '../../libs/database/embeddings/insert-chunks.js';
import { DISTRIBUTED_TABLES } from '../../libs/database/migrations/1764000020000-citus-distribution.js';
import { TenantDb } from '../../libs/database/tenant-db.js';
import { setTenant } from '../../libs/database/transaction-settings.js';
import { LocalEmbedder } from '../../libs/ai/embedding/local.embedder.js';
import { SearchRepository } from '../../libs/retrieval/search.repository.js';
import type { TestApi, TestTenant } from '../support/api.js';
import { uniqueText, upload, waitForStatus } from '../support/documents.js';
import { useStack } from '../support/stack.js';

let api: TestApi;
let su: pg.Client;
let a: TestTenant;
let b: TestTenant;
const stack = useStack({ prefix: 'citus', workers: 1, superuser: true, tenants: ['citus-a', 'citus-b'] });
before(
  async () =>
    ({
      api,
      su,
      tenants: [a, b],
    } = await stack.ready),
);

/** The runtime role with every statement that would run on more than one shard refused by Citus itself. */
let singleShard: TenantDb;
before(async () => {
  const config = loadConfig();
  const url = new URL(config.database.url);
  url.searchParams.set('options', '-c citus.multi_task_query_log_level=error');
  singleShard = new TenantDb(
    await createRuntimeDataSource({ ...config.database, url: url.toString() }, { poolMax: 2, poolMin: 0 }).initialize(),
  );
});
after(() => singleShard?.dataSource.destroy());

test('every tenant table is hash-distributed by tenant_id in one co-location group; tenants is a reference table', async () => {
  const { rows } = await su.query<{ t: string; method: string; col: string | null; colocation: number }>(
    `SELECT logicalrelid::text AS t, partmethod AS method, column_to_column_name(logicalrelid, partkey) AS col, colocationid AS colocation
     FROM pg_dist_partition ORDER BY 1`,
  );
  const byTable = new Map(rows.map((r) => [r.t, r]));
  assert.equal(byTable.get('tenants')?.method, 'n', 'tenants is a reference table');
  for (const t of DISTRIBUTED_TABLES) {
    assert.equal(byTable.get(t)?.method, 'h', `${t} is hash-distributed`);
    assert.equal(byTable.get(t)?.col, 'tenant_id', `${t} by tenant_id`);
  }
  assert.equal(new Set(DISTRIBUTED_TABLES.map((t) => byTable.get(t)!.colocation)).size, 1, 'all co-located');
  // Every table of the schema but the migrations' own bookkeeping is in the cluster's metadata.
  const { rows: local } = await su.query(
    `SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
       AND c.relname <> 'migrations' AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid)`,
  );
  assert.deepEqual(local, []);
});

test('on every worker, every shard of every tenant table has ENABLE + FORCE RLS and the tenant_isolation policy', async () => {
  const { rows: nodes } = await su.query<{ nodename: string; nodeport: number }>(
    `SELECT nodename, nodeport FROM pg_dist_node WHERE noderole = 'primary' AND groupid <> 0 ORDER BY nodeport`,
  );
  assert.equal(nodes.length, 2, 'two workers');
  const db = new URL(process.env.DATABASE_URL!).pathname.slice(1);
  let shards = 0;
  for (const n of nodes) {
    const worker = new pg.Client({ host: n.nodename, port: n.nodeport, user: 'postgres', database: db });
    await worker.connect();
    try {
      await worker.query(`SET citus.override_table_visibility = off`); // shards are hidden from catalogue queries otherwise
      const { rows } = await worker.query<{ relname: string; rls: boolean; forced: boolean; policy: boolean }>(
        `SELECT c.relname, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
                EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation'
                          AND pg_get_expr(p.polqual, p.polrelid) LIKE '%current_setting(''app.current_tenant_id''%'
                          AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%current_setting(''app.current_tenant_id''%') AS policy
         FROM pg_class c WHERE c.relkind = 'r' AND c.relname ~ $1`,
        [`^(${DISTRIBUTED_TABLES.join('|')})_[0-9]+$`],
      );
      assert.ok(rows.length > 0, `shards on ${n.nodeport}`);
      for (const r of rows) assert.deepEqual([r.rls, r.forced, r.policy], [true, true, true], `${r.relname} on ${n.nodeport}`);
      shards += rows.length;
    } finally {
      await worker.end();
    }
  }
  const [{ expected }] = (
    await su.query<{ expected: number }>(`SELECT count(*)::int AS expected FROM pg_dist_shard WHERE logicalrelid::text = ANY($1)`, [
      [...DISTRIBUTED_TABLES],
    ])
  ).rows as [{ expected: number }];
  assert.equal(shards, expected, 'every shard checked');
});

test("set_config alone does not reach the workers (no rows: fail-closed); SET LOCAL does, and shows the tenant's rows only", async () => {
  const up = await upload(api, a.adminKey, uniqueText('citus routing'), 'routing.txt');
  await waitForStatus(api, a.adminKey, up.body.id, ['ready']);
  const rt = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await rt.connect();
  try {
    const count = async (set: () => Promise<unknown>) => {
      await rt.query('BEGIN');
      try {
        await set();
        const { rows } = await rt.query(`SELECT count(*)::int AS n, count(DISTINCT tenant_id)::int AS tenants FROM documents`);
        return rows[0] as { n: number; tenants: number };
      } finally {
        await rt.query('ROLLBACK');
      }
    };
    assert.deepEqual(await count(() => rt.query(`SELECT set_config('app.current_tenant_id', $1, true)`, [a.id])), { n: 0, tenants: 0 });
    const seen = await count(() => setTenant(rt, 'citus', a.id));
    assert.ok(seen.n >= 1 && seen.tenants === 1, JSON.stringify(seen));
    assert.deepEqual(await count(async () => undefined), { n: 0, tenants: 0 }, 'no tenant, no rows');
    // An id that is not a UUID never reaches the statement.
    await assert.rejects(
      count(() => setTenant(rt, 'citus', `${a.id}'; SET LOCAL app.current_tenant_id = '${b.id}`)),
      /must be a UUID/,
    );
  } finally {
    await rt.end();
  }
});

test('hot paths run on one shard: search in every mode, the document list, a document, chunk insert', async () => {
  const up = await upload(api, b.adminKey, uniqueText('citus hot paths'), 'hot.txt');
  const doc = await waitForStatus(api, b.adminKey, up.body.id, ['ready']);
  const config = loadConfig();
  const embedder = new LocalEmbedder(platformEmbeddingModel(process.env).dimensions);
  const [vector] = await embedder.embed(['citus hot paths']);
  const search = new SearchRepository(config.vectorIndex);
  const docs = new DocumentsRepository();
  await singleShard.runFor(b.id, async (m) => {
    for (const mode of ['vector', 'keyword', 'hybrid'] as const) {
      const hits = await search.search(m, { tenantId: b.id, vector: vector!, query: 'citus hot paths', topK: 5, mode });
      assert.ok(hits.length > 0, `${mode} found the document`);
      assert.ok(
        hits.every((h) => h.documentId === doc.id),
        `${mode}: only tenant B's document`,
      );
    }
    const page = await docs.list(m, { limit: 10 });
    assert.deepEqual(
      page.rows.map((d) => d.id),
      [doc.id],
    );
    assert.equal((await docs.findById(m, doc.id))?.id, doc.id);
    assert.equal((await docs.chunks(m, doc.id)).length > 0, true);
  });
  // Chunk insert, rolled back: a document row, then its chunks the way the worker writes them.
  const rollback = new Error('rollback');
  await assert.rejects(
    singleShard.runFor(b.id, async (m) => {
      const id = randomUUID();
      await m.query(
        `INSERT INTO documents (tenant_id, id, filename, mime_type, size_bytes, content_hash, status) VALUES ($1, $2, 'x.txt', 'text/plain', 1, $3, 'processing')`,
        [b.id, id, randomUUID()],
      );
      const chunks = [0, 1, 2].map((index) => ({
        index,
        content: `chunk ${index}`,
        pageFrom: 1,
        pageTo: 1,
        charStart: index * 10,
        charEnd: index * 10 + 7,
        tokenCount: 2,
        section: null,
      }));
      const vectors = await embedder.embed(chunks.map((c) => c.content));
      await insertChunks(m, { tenantId: b.id, documentId: id, model: 'local', searchConfig: 'english' }, chunks, vectors);
      const [{ n }] = await m.query<[{ n: number }]>(
        `SELECT count(*)::int AS n FROM embeddings WHERE tenant_id = $1 AND document_id = $2`,
        [b.id, id],
      );
      assert.equal(n, 3);
      throw rollback;
    }),
    (e) => e === rollback,
  );
});

test('EXPLAIN: a tenant-scoped statement is one task; without the tenant it would be every shard', async () => {
  const plan = async (sql: string, params: unknown[]) => {
    const { rows } = await su.query(`EXPLAIN ${sql}`, params);
    return rows.map((r: Record<string, string>) => Object.values(r)[0]).join('\n');
  };
  const list = await plan(`SELECT id FROM documents WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 10`, [a.id]);
  assert.match(list, /Task Count: 1\b/);
  const all = await plan(`SELECT id FROM documents ORDER BY created_at DESC, id DESC LIMIT 10`, []);
  assert.match(all, /Task Count: (?!1\b)\d+/);
  console.log(`[citus] document list, tenant-scoped:\n${list}`);
});
