import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type pg from 'pg';
import type { TestApi, TestTenant } from '../support/api.js';
import { uniqueText, upload, waitForStatus } from '../support/documents.js';
import { useStack } from '../support/stack.js';
import type { WorkerProcess } from '../support/worker.js';

let api: TestApi;
let t: TestTenant;
let workers: WorkerProcess[];
let db: pg.Client;
const stack = useStack({
  prefix: 'scale',
  env: { RECONCILE_INTERVAL_MS: '2000', WORKER_CONCURRENCY: '3' },
  workers: 2,
  superuser: true,
  tenants: ['scale'],
});
before(
  async () =>
    ({
      api,
      workers,
      su: db,
      tenants: [t],
    } = await stack.ready),
);

test('two worker processes and 50 uploads: every document ready exactly once, no duplicate chunks', async () => {
  const uploads = await Promise.all(
    Array.from({ length: 50 }, (_, i) => upload(api, t.adminKey, uniqueText(`topic number ${i}`, 2 + (i % 5)), `doc-${i}.md`)),
  );
  for (const u of uploads) assert.equal(u.status, 202, u.text);
  const ids = uploads.map((u) => u.body.id as string);
  const docs = await Promise.all(ids.map((id) => waitForStatus(api, t.adminKey, id, ['ready', 'failed'], 120_000)));
  assert.deepEqual(
    docs.filter((d) => d.status !== 'ready').map((d) => d.error),
    [],
  );

  const { rows } = await db.query(
    `SELECT d.id, d.chunk_count, count(e.id)::int AS rows, count(DISTINCT e.chunk_index)::int AS distinct_idx,
            (SELECT count(*)::int FROM ingestion_events v WHERE v.document_id = d.id AND v.stage = 'ready') AS ready_events
     FROM documents d LEFT JOIN embeddings e ON e.tenant_id = d.tenant_id AND e.document_id = d.id
     WHERE d.tenant_id = $1 GROUP BY d.id, d.chunk_count`,
    [t.id],
  );
  assert.equal(rows.length, 50);
  for (const r of rows) {
    assert.ok(r.chunk_count > 0);
    assert.equal(r.rows, r.chunk_count, `document ${r.id}: rows vs chunk_count`);
    assert.equal(r.distinct_idx, r.chunk_count, `document ${r.id}: duplicate chunk indexes`);
    assert.equal(r.ready_events, 1, `document ${r.id} finished ${r.ready_events} times`);
  }
  // Both processes took part (the queue spreads work across workers).
  for (const w of workers) assert.ok(w.alive);
});
