import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadRequestException } from '@nestjs/common';
import { decodeCursor, encodeCursor, isPostgresTimestamp } from '../../apps/api/src/common/cursor.js';

const position = { ts: '2026-01-31 23:59:59.123456+00', id: '0b4e7a52-34a1-4c2e-9f41-5e0d6b6f0a11' };

test('a cursor round-trips the timestamp at full precision and the id, and is opaque (base64url)', () => {
  const cursor = encodeCursor(position);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeCursor(cursor), position);
});

test('anything but a cursor of ours is a 400 that says what to pass', () => {
  const bad = [
    'not base64 at all!',
    '',
    Buffer.from('{"ts":1}').toString('base64url'),
    Buffer.from('[]').toString('base64url'),
    encodeCursor({ ts: '2020-02-30 00:00:00+00', id: position.id }), // a date PostgreSQL rejects (was a 500)
    encodeCursor({ ts: position.ts, id: "x' OR '1'='1" }),
    encodeCursor({ ts: 'yesterday', id: position.id }),
  ];
  for (const c of bad) {
    assert.throws(
      () => decodeCursor(c),
      (e) => e instanceof BadRequestException && /pass nextCursor from the previous page/.test(e.message),
      c,
    );
  }
});

test('timestamps are checked as PostgreSQL reads them, stricter than Date.parse', () => {
  for (const ok of ['2024-02-29 10:00:00', '2026-01-01T00:00:00Z', '1999-12-31 23:59:59.999999+05:30', '2026-06-01 12:00:00-0700'])
    assert.ok(isPostgresTimestamp(ok), ok);
  for (const no of [
    '2023-02-29 10:00:00',
    '2026-13-01 00:00:00',
    '2026-01-01 24:00:00',
    '2026-01-01 10:60:00',
    '0000-01-01 00:00:00',
    '2026-01-01',
  ])
    assert.ok(!isPostgresTimestamp(no), no);
});
