import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { getMetadataStorage } from 'class-validator';
import { ConfigError, loadConfig } from '../../libs/config/config.js';
import { EnvironmentDto } from '../../libs/config/env.dto.js';
import { runtimeDataSourceOptions } from '../../libs/database/data-source.js';

const good = { ADMIN_API_KEY: 'a'.repeat(32), JWT_SECRET: 'j'.repeat(40) };

test('a valid environment gives typed config with the documented defaults', () => {
  const c = loadConfig(good);
  assert.equal(c.port, 3000);
  assert.equal(c.ai.embeddingProvider, 'local');
  assert.equal(c.ai.chatProvider, 'local');
  assert.equal(c.ai.embeddingDimensions, 1536);
  assert.equal(c.limits.uploadMaxBytes, 50 * 1024 * 1024);
  assert.equal(loadConfig({ ...good, OPENAI_API_KEY: 'sk-x' }).ai.embeddingProvider, 'openai');
});

test('every bad or missing variable is named in one error', () => {
  try {
    loadConfig({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      REDIS_URL: 'http://r',
      JWT_SECRET: 'short',
      EMBEDDING_PROVIDER: 'magic',
      CHAT_PROVIDER: 'openai',
      DB_POOL_MIN: '70',
    });
    assert.fail('should have thrown');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    for (const name of [
      'PORT',
      'DATABASE_URL',
      'REDIS_URL',
      'ADMIN_API_KEY',
      'JWT_SECRET',
      'EMBEDDING_PROVIDER',
      'CHAT_PROVIDER=openai needs OPENAI_API_KEY',
      'DB_POOL_MIN',
    ]) {
      assert.ok(e.message.includes(name), `${name} missing from: ${e.message}`);
    }
    assert.ok(e.problems.length >= 8);
  }
});

test('the pool follows the seed: 20 kept, bursts to 60, with connect and statement timeouts', () => {
  const opts = runtimeDataSourceOptions(loadConfig(good).database) as any;
  assert.equal(opts.poolSize, 60);
  assert.equal(opts.extra.min, 20);
  assert.equal(opts.connectTimeoutMS, 5000);
  assert.equal(opts.extra.statement_timeout, 30000);
  assert.ok(opts.extra.maxLifetimeSeconds > 0);
  const custom = runtimeDataSourceOptions(
    loadConfig({ ...good, DB_POOL_MAX: '8', DB_POOL_MIN: '2', DB_STATEMENT_TIMEOUT_MS: '1500' }).database,
  ) as any;
  assert.deepEqual([custom.poolSize, custom.extra.min, custom.extra.statement_timeout], [8, 2, 1500]);
});

for (const app of ['api/src', 'worker/src']) {
  test(`the ${app.split('/')[0]} process refuses to start on bad config, exit 1 with every problem listed`, () => {
    const main = fileURLToPath(new URL(`../../apps/${app}/main.js`, import.meta.url));
    const env = { PATH: process.env.PATH!, PORT: '-5', JWT_SECRET: 'x', REDIS_URL: 'nope' };
    const res = spawnSync(process.execPath, [main], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(res.status, 1, res.stderr);
    for (const name of ['PORT', 'JWT_SECRET', 'REDIS_URL', 'ADMIN_API_KEY']) assert.match(res.stderr, new RegExp(name));
    assert.match(res.stderr, /Invalid configuration \(4 problems\)/);
  });
}

test('.env.example lists every variable the config validates', () => {
  const validated = new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(EnvironmentDto, '', true, false)
      .map((m) => m.propertyName),
  );
  const example = readFileSync(fileURLToPath(new URL('../../../.env.example', import.meta.url)), 'utf8');
  const listed = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
  assert.ok(validated.size >= 30, `found ${validated.size} validated variables`);
  assert.deepEqual([...validated].filter((v) => !listed.has(v)).sort(), []);
});
