import type { TestApi } from './api.js';

/** The API's OpenAPI document and its operations by "method path" ("get /api/v1/users/{id}"). */
export async function openApi(api: Pick<TestApi, 'request' | 'adminKey'>): Promise<{ doc: any; ops: Record<string, any> }> {
  const res = await api.request('GET', '/docs-json', { token: api.adminKey });
  if (res.status !== 200) throw new Error(`/docs-json: ${res.status} ${res.text}`);
  const ops: Record<string, any> = {};
  for (const [path, methods] of Object.entries<Record<string, unknown>>(res.body.paths)) {
    for (const [method, op] of Object.entries(methods)) ops[`${method} ${path}`] = op;
  }
  return { doc: res.body, ops };
}
