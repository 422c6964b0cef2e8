import { api, setToken, type Me } from './api.js';

export type Session = { kind: 'user'; me: Me; tenant: string } | { kind: 'platform' };

/** Signs in with the login route (tenant user) or checks the admin key against an admin route. */
export async function signIn(
  form: { mode: 'user'; tenant: string; email: string; password: string } | { mode: 'platform'; key: string },
): Promise<Session> {
  if (form.mode === 'platform') {
    setToken(form.key);
    try {
      await api('GET', '/api/v1/admin/tenants');
    } catch (e) {
      setToken(null);
      throw e;
    }
    return { kind: 'platform' };
  }
  const login = await api<{ accessToken: string }>('POST', '/api/v1/auth/login', {
    tenant: form.tenant,
    email: form.email,
    password: form.password,
  });
  setToken(login.accessToken);
  const me = await api<Me>('GET', '/api/v1/me');
  return { kind: 'user', me, tenant: form.tenant };
}
