import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeartbeatService } from '../../apps/worker/src/heartbeat.service.js';
import type { EmbeddingSwitchProcessor } from '../../apps/worker/src/embedding-switch/embedding-switch.processor.js';
import type { IngestionProcessor } from '../../apps/worker/src/ingestion/ingestion.processor.js';
import type { AppConfig } from '../../libs/config/config.js';

/** A processor whose BullMQ worker is in the given state. */
const processor = (state: { running?: boolean; paused?: boolean; closing?: boolean } = {}) =>
  ({
    worker: {
      closing: state.closing ? Promise.resolve() : undefined,
      isRunning: () => state.running ?? true,
      isPaused: () => state.paused ?? false,
    },
  }) as never;
const redis = (answer: () => Promise<string>) => ({ ping: answer }) as never;
const config = { worker: { heartbeatFile: '/dev/null', heartbeatIntervalMs: 1000 } } as AppConfig;
const service = (ingestion: IngestionProcessor, embeddingSwitch: EmbeddingSwitchProcessor, ping = async () => 'PONG') =>
  new HeartbeatService(config, redis(ping), ingestion, embeddingSwitch);

test('live only when Redis answers and both processors run', async () => {
  assert.deepEqual(await service(processor(), processor()).liveness(), { live: true, problems: [] });
  assert.deepEqual(await service(processor({ paused: true }), processor()).liveness(), {
    live: false,
    problems: ['ingestion processor paused'],
  });
  assert.deepEqual(await service(processor(), processor({ running: false })).liveness(), {
    live: false,
    problems: ['embedding-switch processor not running'],
  });
  assert.deepEqual(await service(processor({ closing: true }), processor()).liveness(), {
    live: false,
    problems: ['ingestion processor closing'],
  });
  const refused = await service(processor(), processor(), () => Promise.reject(new Error('ECONNREFUSED'))).liveness();
  assert.deepEqual(refused.problems, ['redis does not answer']);
});

test('a Redis that never answers counts as down after the PING timeout', async () => {
  const started = Date.now();
  const hung = await service(processor(), processor(), () => new Promise<string>(() => undefined)).liveness();
  assert.deepEqual(hung.problems, ['redis does not answer']);
  // The PING timeout is 2 s: not sooner, and not the never of a hung await (bounded loosely, for a busy host).
  const took = Date.now() - started;
  assert.ok(took >= 1900 && took < 10_000, `${took} ms`);
});
