import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basicCredentials, bearerToken } from '../../apps/api/src/auth/credentials.js';
import { errorBody } from '../../apps/api/src/common/error-body.js';

test('bearer tokens: the token of "Bearer <token>", in any case, and nothing else', () => {
  assert.equal(bearerToken('Bearer rag_abc'), 'rag_abc');
  assert.equal(bearerToken('bearer   eyJ.x.y  '), 'eyJ.x.y');
  for (const h of [undefined, '', 'Bearer', 'Bearer a b', 'Basic YWRtaW46eA==', 'Token abc'])
    assert.equal(bearerToken(h), undefined, String(h));
});

test('basic credentials: user and password split at the first colon; the password may hold colons', () => {
  const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
  assert.deepEqual(basicCredentials(basic('admin:s3cret:with:colons')), { user: 'admin', password: 's3cret:with:colons' });
  assert.deepEqual(basicCredentials(basic('admin:')), { user: 'admin', password: '' });
  for (const h of [undefined, basic('no-colon'), basic(':password'), 'Bearer abc', 'Basic'])
    assert.equal(basicCredentials(h), undefined, String(h));
});

test("the error body has the API.md shape with the status's reason phrase", () => {
  assert.deepEqual(errorBody(413, 'too big', 'req-12345678'), {
    statusCode: 413,
    error: 'Payload Too Large',
    message: 'too big',
    requestId: 'req-12345678',
  });
  assert.equal(errorBody(401, 'x', undefined).error, 'Unauthorized');
  assert.equal(errorBody(429, 'x', undefined).error, 'Too Many Requests');
  assert.equal(errorBody(599, 'x', undefined).error, 'Error');
});
