import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Request } from 'express';
import { requestRoute } from '../../apps/api/src/common/request-route.js';

const req = (originalUrl: string, routePath?: string) =>
  ({ originalUrl, url: originalUrl, route: routePath && { path: routePath } }) as unknown as Request;

test('the route label is the matched pattern or a mount point, never the raw URL', () => {
  assert.equal(requestRoute(req('/api/v1/documents/6f1c?x=1', '/api/v1/documents/:id')), '/api/v1/documents/:id');
  assert.equal(requestRoute(req('/docs')), '/docs');
  assert.equal(requestRoute(req('/docs-json')), '/docs');
  assert.equal(requestRoute(req('/admin/queues/api/queues?page=1')), '/admin/queues');
  assert.equal(requestRoute(req('/assets/index-3f2a.js')), '/assets');
  assert.equal(requestRoute(req('/')), '/');
  assert.equal(requestRoute(req('/?x=1')), '/');
  for (const probe of ['/wp-login.php', '/api/v1/nothing/123', '/docsx', '/.env']) assert.equal(requestRoute(req(probe)), '(unmatched)');
});
