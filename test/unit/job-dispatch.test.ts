import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { IngestionProcessor } from '../../apps/worker/src/ingestion/ingestion.processor.js';
import type { IngestionService, RunContext } from '../../apps/worker/src/ingestion/ingestion.service.js';
import { VectorIndexProcessor } from '../../apps/worker/src/vector-index/vector-index.processor.js';
import type { VectorIndexService } from '../../apps/worker/src/vector-index/vector-index.service.js';
import type { AppConfig } from '../../libs/config/config.js';
import { JobName } from '../../libs/queue/queue.constants.js';
import { currentTenantId } from '../../libs/tenancy/tenant-context.js';

/** The processors' logging context, silent here. */
const pino = new PinoLogger({ pinoHttp: { level: 'silent' } });
Logger.overrideLogger(false);
const job = (name: string, data: unknown, attemptsMade = 0) => ({ name, data, attemptsMade, opts: { attempts: 3 } }) as unknown as Job;

test("the ingestion processor runs its one job in the job's tenant, and fails any other job name for good", async () => {
  const seen: { ctx: RunContext; tenant: string }[] = [];
  const service = {
    ingest: async (ctx: RunContext) => (seen.push({ ctx, tenant: currentTenantId() }), 'ready' as const),
  } as unknown as IngestionService;
  const processor = new IngestionProcessor(service, {} as AppConfig, pino);
  assert.equal(await processor.process(job(JobName.IngestDocument, { tenantId: 't1', documentId: 'd1' }, 2)), 'ready');
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.tenant, 't1');
  assert.deepEqual({ ...seen[0]!.ctx, signal: undefined }, { tenantId: 't1', documentId: 'd1', lastAttempt: true, signal: undefined });
  await assert.rejects(
    processor.process(job(JobName.MaintainVectorIndex, { tenantId: 't1' })),
    (e) => e instanceof UnrecoverableError && /unknown job "maintain-vector-index" on the ingestion queue/.test(e.message),
  );
  assert.equal(seen.length, 1, 'nothing ran for the unknown job');
});

test("the vector-index processor maintains the job's tenant, and fails any other job name for good", async () => {
  const asked: string[] = [];
  const service = { maintain: async (tenantId: string) => (asked.push(tenantId), 'built' as const) } as unknown as VectorIndexService;
  const processor = new VectorIndexProcessor(service, pino);
  assert.equal(await processor.process(job(JobName.MaintainVectorIndex, { tenantId: 't2' })), 'built');
  assert.deepEqual(asked, ['t2']);
  await assert.rejects(processor.process(job(JobName.IngestDocument, { tenantId: 't2', documentId: 'd' })), UnrecoverableError);
  assert.deepEqual(asked, ['t2']);
});
