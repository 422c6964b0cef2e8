/**
 * sqlLiteral (search.repository.ts) puts a search's values into the text of the second half's statement, the user's
 * words among them. Tried here against a real PostgreSQL: every hostile string comes back as itself, under both
 * settings of standard_conforming_strings (an older server, or a role's setting, may have it off), and nothing but
 * integers, strings and arrays of strings is turned into SQL.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { sqlLiteral } from '../../libs/retrieval/search.repository.js';
import { superClient } from '../support/db.js';

let db: pg.Client;

before(async () => {
  db = await superClient();
});

after(async () => {
  await db?.end();
});

const HOSTILE = [
  `it's`,
  `'); DROP TABLE embeddings; --`,
  `\\'; SELECT 1; --`,
  `back\\slash at the end \\`,
  `E'\\x27'`,
  `$$ dollar $$ $q$ quoted $q$`,
  `"double" and 'single' and \`tick\``,
  `new\nline\ttab\rreturn`,
  `ünïcödé ✓ 𝄞`,
  ``,
];

test('every hostile string comes back as itself, with standard_conforming_strings on and off', async () => {
  for (const setting of ['on', 'off']) {
    await db.query(`SET standard_conforming_strings = ${setting}`);
    for (const s of HOSTILE) {
      // Simple query protocol, no parameters: as the second half's statement is sent.
      const [, res] = (await db.query(
        `SELECT 1; SELECT ${sqlLiteral(s)}::text AS v, ${sqlLiteral([s, 'x'])}::text[] AS a`,
      )) as unknown as pg.QueryResult[];
      assert.equal(res!.rows[0].v, s, `standard_conforming_strings ${setting}: ${JSON.stringify(s)}`);
      assert.deepEqual(res!.rows[0].a, [s, 'x']);
    }
  }
  await db.query(`RESET standard_conforming_strings`);
});

test('integers and arrays as SQL; an empty array typed by its cast; anything else refused', async () => {
  const { rows } = await db.query(
    `SELECT ${sqlLiteral(42)} + 1 AS n, cardinality(${sqlLiteral([])}::uuid[]) AS empty,
            ${sqlLiteral(['00000000-0000-4000-8000-000000000001'])}::uuid[] AS ids`,
  );
  assert.equal(rows[0].n, 43);
  assert.equal(rows[0].empty, 0);
  assert.deepEqual(rows[0].ids, ['00000000-0000-4000-8000-000000000001']);
  for (const bad of [1.5, NaN, Infinity, 2 ** 60, null, undefined, true, {}, [1, 2], ['a', 3], Symbol('s')])
    assert.throws(() => sqlLiteral(bad), /no SQL literal/, String(typeof bad === 'symbol' ? 'symbol' : JSON.stringify(bad)));
});
