import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import type { Request, Response } from 'express';
import { jsonDepthGuard, rejectNulStrings } from '../../apps/api/src/common/json-guard.js';

const verify = jsonDepthGuard(3);
const check = (json: string) => verify({} as IncomingMessage, undefined, Buffer.from(json));

test('JSON nested deeper than the bound is a 400 before it is parsed; brackets inside strings do not count', () => {
  check('{"a":[{"b":1}]}');
  check('{"a":"[[[[[[[[[[\\"{{{{{{{"}');
  assert.throws(
    () => check('{"a":[{"b":[1]}]}'),
    (e: Error & { status?: number }) => e.status === 400 && /deeper than 3 levels/.test(e.message),
  );
});

test('a NUL character in any string or key of the body is a 400 that names where it is', () => {
  const run = (body: unknown) => {
    let passed: unknown = 'not called';
    rejectNulStrings({ body } as Request, {} as Response, (e?: unknown) => (passed = e));
    return passed as (Error & { status?: number }) | undefined;
  };
  assert.equal(run({ a: ['fine', { b: 'also fine' }] }), undefined);
  assert.match(run({ a: ['fine', { b: 'x\u0000y' }] })!.message, /^a\[1\]\.b must not contain NUL/);
  assert.match(run({ ['k\u0000']: 1 })!.message, /^k\u0000 must not contain NUL/);
  assert.equal(run('\u0000')!.status, 400);
});
