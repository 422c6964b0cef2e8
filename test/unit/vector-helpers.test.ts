import assert from 'node:assert/strict';
import { test } from 'node:test';
import { vectorLiteral } from '../../libs/database/embeddings/vector-literal.js';
import {
  DEFAULT_EF_SEARCH,
  efSearchFor,
  indexedVector,
  ivfListsFor,
  ivfProbesFor,
  setLiteral,
  tenantLiteral,
  VECTOR_INDEX_NAME,
  vectorIndexMethodFor,
  vectorIndexLayoutStale,
  vectorIndexMethodStale,
  vectorIndexName,
  vectorIndexPartNames,
  vectorIndexPartsFor,
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
  assert.equal(vectorIndexName(TENANT, 42, 'hnsw'), 'embeddings_hnsw_t_0b4e7a5234a14c2e9f415e0d6b6f0a11_42');
  assert.equal(vectorIndexName(TENANT, 42, 'ivfflat'), 'embeddings_ivf_t_0b4e7a5234a14c2e9f415e0d6b6f0a11_42');
  for (const method of ['hnsw', 'ivfflat'] as const)
    assert.equal(VECTOR_INDEX_NAME.exec(vectorIndexName(TENANT, 7, method))?.[1], TENANT.replace(/-/g, ''));
  assert.equal(VECTOR_INDEX_NAME.exec('embeddings_tsv_t_0b4e7a5234a14c2e9f415e0d6b6f0a11_s1'), null);
  assert.equal(
    vectorIndexPredicate({ tenantId: TENANT, setId: 2, watermark: 7, method: 'ivfflat' }, 'e'),
    `e.tenant_id = '${TENANT}'::uuid AND e.set_id = 2 AND e.seq <= 7 AND e.seq <> -43`,
  );
  assert.equal(indexedVector(768, 'e'), '(e.embedding::halfvec(768))');
  for (const bad of [TENANT.toUpperCase(), `${TENANT}'; DROP TABLE x; --`, 'x']) assert.throws(() => tenantLiteral(bad), /canonical uuid/);
  for (const bad of [-1, 1.5, Number.NaN]) assert.throws(() => vectorIndexName(TENANT, bad, 'ivfflat'), /bad watermark/);
  assert.throws(() => vectorIndexName(`${TENANT}x`, 1, 'hnsw'), /canonical uuid/);
  for (const bad of [0, 2.5, Number.NaN]) assert.throws(() => setLiteral(bad), /bad embedding set/);
  for (const bad of [0, 16001, 1.5]) assert.throws(() => indexedVector(bad), /bad dimensions/);
});

test('ef_search: the measured default, raised to the candidates needed, capped at 1000', () => {
  assert.equal(efSearchFor(5), DEFAULT_EF_SEARCH);
  assert.equal(efSearchFor(700), 700);
  assert.equal(efSearchFor(5000), 1000);
  assert.equal(efSearchFor(5, 100), 100);
});

test('IVF up to VECTOR_IVF_MAX_ROWS, HNSW above (0: always); lists by rows per list; probes a share of the lists, at least one', () => {
  assert.equal(vectorIndexMethodFor(42_562, 100_000), 'ivfflat');
  assert.equal(vectorIndexMethodFor(100_000, 100_000), 'ivfflat');
  assert.equal(vectorIndexMethodFor(100_001, 100_000), 'hnsw');
  assert.equal(vectorIndexMethodFor(10_000, 0), 'hnsw');
  assert.equal(vectorIndexMethodFor(0, 0), 'hnsw');
  // Rebuilt by the other method only when clear of the line by 5 % (counts before and after a build can differ).
  assert.equal(vectorIndexMethodStale('hnsw', 42_562, 100_000), true);
  assert.equal(vectorIndexMethodStale('ivfflat', 42_562, 100_000), false);
  assert.equal(vectorIndexMethodStale('ivfflat', 103_000, 100_000), false);
  assert.equal(vectorIndexMethodStale('hnsw', 97_000, 100_000), false);
  assert.equal(vectorIndexMethodStale('ivfflat', 106_000, 100_000), true);
  assert.equal(vectorIndexMethodStale('ivfflat', 400, 0), true);
  assert.equal(vectorIndexMethodStale('hnsw', 400, 0), false);
  assert.equal(ivfListsFor(42_562, 1000), 43);
  assert.equal(ivfListsFor(12_712, 1000), 13);
  assert.equal(ivfListsFor(300, 1000), 1);
  assert.equal(ivfProbesFor(43, 30), 13); // 12.9 rounded up: never less than the share asked for
  assert.equal(ivfProbesFor(20, 30), 6);
  assert.equal(ivfProbesFor(1, 30), 1);
  assert.equal(ivfProbesFor(10, 100), 10);
  assert.equal(ivfProbesFor(3, 1), 1);
});

test('an index is rebuilt for its layout: the other method than its size calls for, or IVF lists off by more than 2×', () => {
  const s = { ivfMaxRows: 100_000, ivfListRows: 250, ivfSplitRows: 0 };
  assert.equal(vectorIndexLayoutStale({ method: 'hnsw', indexedRows: 42_562, lists: 0, parts: 1 }, s), true);
  assert.equal(vectorIndexLayoutStale({ method: 'ivfflat', indexedRows: 42_562, lists: 170, parts: 1 }, s), false);
  // Built with one list per 1 000 rows (before the lists became finer): 43 where 170 are called for.
  assert.equal(vectorIndexLayoutStale({ method: 'ivfflat', indexedRows: 42_562, lists: 43, parts: 1 }, s), true);
  assert.equal(vectorIndexLayoutStale({ method: 'ivfflat', indexedRows: 42_562, lists: 86, parts: 1 }, s), false);
  assert.equal(vectorIndexLayoutStale({ method: 'ivfflat', indexedRows: 42_562, lists: 340, parts: 1 }, s), false);
  assert.equal(vectorIndexLayoutStale({ method: 'ivfflat', indexedRows: 42_562, lists: 400, parts: 1 }, s), true);
  // HNSW has no lists; an IVF row without them (never written so) is left to the method check.
  assert.equal(vectorIndexLayoutStale({ method: 'hnsw', indexedRows: 150_000, lists: 0, parts: 1 }, s), false);
  assert.equal(vectorIndexLayoutStale({ method: 'ivfflat', indexedRows: 42_562, lists: 0, parts: 1 }, s), false);
});

test('a large IVF set is split in two halves (VECTOR_IVF_SPLIT_ROWS), each with the lists of its half; the registry names the first', () => {
  assert.equal(vectorIndexPartsFor('ivfflat', 29_999, 30_000), 1);
  assert.equal(vectorIndexPartsFor('ivfflat', 30_000, 30_000), 2);
  assert.equal(vectorIndexPartsFor('hnsw', 150_000, 30_000), 1);
  assert.equal(vectorIndexPartsFor('ivfflat', 42_562, 0), 1); // 0: never
  const s = { ivfMaxRows: 100_000, ivfListRows: 250, ivfSplitRows: 30_000 };
  // A whole index of a set that should be split is rebuilt; halves of 85 lists each are what 42 562 rows call for.
  assert.equal(vectorIndexLayoutStale({ method: 'ivfflat', indexedRows: 42_562, lists: 170, parts: 1 }, s), true);
  assert.equal(vectorIndexLayoutStale({ method: 'ivfflat', indexedRows: 42_562, lists: 85, parts: 2 }, s), false);
  assert.equal(vectorIndexLayoutStale({ method: 'ivfflat', indexedRows: 42_562, lists: 30, parts: 2 }, s), true);
  // Shrunk below the split size: whole again, but not within 5 % of it (deletes during a build must not ask for another).
  assert.equal(vectorIndexLayoutStale({ method: 'ivfflat', indexedRows: 20_000, lists: 40, parts: 2 }, s), true);
  assert.equal(vectorIndexLayoutStale({ method: 'ivfflat', indexedRows: 29_000, lists: 58, parts: 2 }, s), false);
  assert.equal(vectorIndexLayoutStale({ method: 'ivfflat', indexedRows: 20_000, lists: 80, parts: 1 }, s), false);

  const tenant = '0b0e0c0d-0000-4000-8000-00000000000a';
  const first = vectorIndexName(tenant, 42, 'ivfflat', 0);
  assert.equal(first, 'embeddings_ivf_t_0b0e0c0d00004000800000000000000a_42_p0');
  assert.match(first, VECTOR_INDEX_NAME);
  assert.deepEqual(vectorIndexPartNames({ indexName: first, parts: 2 }), [first, first.replace(/_p0$/, '_p1')]);
  assert.match(vectorIndexPartNames({ indexName: first, parts: 2 })[1]!, VECTOR_INDEX_NAME);
  assert.deepEqual(vectorIndexPartNames({ indexName: 'embeddings_ivf_t_x_1', parts: 1 }), ['embeddings_ivf_t_x_1']);
  assert.throws(() => vectorIndexPartNames({ indexName: vectorIndexName(tenant, 42, 'ivfflat'), parts: 2 }), /_p0/);
  // Each half's predicate is the whole one's rows and its seq parity, which search repeats verbatim.
  const rows = { tenantId: tenant, setId: 3, watermark: 42, method: 'ivfflat' } as const;
  const whole = `e.tenant_id = '${tenant}'::uuid AND e.set_id = 3 AND e.seq <= 42`;
  assert.equal(vectorIndexPredicate({ ...rows, part: 1 }, 'e'), `${whole} AND (e.seq % 2) = 1 AND e.seq <> -255`);
  assert.equal(vectorIndexPredicate({ ...rows, part: 0 }), `${whole.replace(/e\./g, '')} AND (seq % 2) = 0 AND seq <> -254`);
  // The last condition names the index: a negative number (no row fails it) that no other watermark, method or half has,
  // so a search implies its own index's predicate and no other's (the completeness test has the planner try).
  const keys = [0, 1, 2, 7, 42, Number.MAX_SAFE_INTEGER].flatMap((watermark) =>
    (['ivfflat', 'hnsw'] as const).flatMap((method) =>
      [undefined, 0, 1].map(
        (part) => /seq <> (-\d+)$/.exec(vectorIndexPredicate({ ...rows, watermark, method, part: part as 0 | 1 | undefined }))![1]!,
      ),
    ),
  );
  assert.equal(new Set(keys).size, keys.length);
  assert.ok(
    keys.every((k) => BigInt(k) < 0n && BigInt(k) > -(2n ** 63n)),
    keys.join(' '),
  );
});
