import assert from 'node:assert/strict';
import { test } from 'node:test';
import { vectorLiteral } from '../../libs/database/embeddings/vector-literal.js';
import {
  DEFAULT_EF_SEARCH,
  efSearchFor,
  indexedVector,
  setLiteral,
  tenantLiteral,
  vectorIndexName,
  vectorIndexPredicate,
} from '../../libs/retrieval/vector-index.js';

const TENANT = '0b4e7a52-34a1-4c2e-9f41-5e0d6b6f0a11';

test('the vector literal keeps every bit of a float4', () => {
  const v = [0.1, -1 / 3, 1e-7, 123.456789, Math.fround(0.2)];
  const parsed = JSON.parse(vectorLiteral(v)) as number[];
  assert.deepEqual(parsed.map(Math.fround), v.map(Math.fround));
  assert.equal(vectorLiteral([]), '[]');
});

test('index names, predicates and the indexed expression are literals made only from a canonical uuid and safe integers', () => {
  assert.equal(vectorIndexName(TENANT, 42), 'embeddings_hnsw_t_0b4e7a5234a14c2e9f415e0d6b6f0a11_42');
  assert.equal(
    vectorIndexPredicate({ tenantId: TENANT, setId: 2, watermark: 7 }, 'e'),
    `e.tenant_id = '${TENANT}'::uuid AND e.set_id = 2 AND e.seq <= 7`,
  );
  assert.equal(indexedVector(768, 'e'), '(e.embedding::halfvec(768))');
  for (const bad of [TENANT.toUpperCase(), `${TENANT}'; DROP TABLE x; --`, 'x']) assert.throws(() => tenantLiteral(bad), /canonical uuid/);
  for (const bad of [-1, 1.5, Number.NaN]) assert.throws(() => vectorIndexName(TENANT, bad), /bad watermark/);
  for (const bad of [0, 2.5, Number.NaN]) assert.throws(() => setLiteral(bad), /bad embedding set/);
  for (const bad of [0, 16001, 1.5]) assert.throws(() => indexedVector(bad), /bad dimensions/);
});

test('ef_search: the measured default, raised to the candidates needed, capped at 1000', () => {
  assert.equal(efSearchFor(5), DEFAULT_EF_SEARCH);
  assert.equal(efSearchFor(700), 700);
  assert.equal(efSearchFor(5000), 1000);
  assert.equal(efSearchFor(5, 100), 100);
});
