import { useEffect, useState } from 'preact/hooks';
import { api, type ApiKey, type List, type Me, type Role, type UsageReport, type User } from '../api.js';
import { field, when } from '../util.js';
import { Alert, ConfirmButton, Head, useAction, UserFields } from '../ui.js';

export function TenantAdmin({ me }: { me: Me }) {
  const [users, setUsers] = useState<User[]>([]);
  const [keys, setKeys] = useState<ApiKey[]>([]);
  const [usage, setUsage] = useState<UsageReport | null>(null);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [error, act] = useAction();
  const reload = () =>
    act(async () => {
      const [u, k, g] = await Promise.all([
        api<List<User>>('GET', '/api/v1/users'),
        api<List<ApiKey>>('GET', '/api/v1/api-keys'),
        api<UsageReport>('GET', '/api/v1/usage?days=30'),
      ]);
      setUsers(u.items);
      setKeys(k.items);
      setUsage(g);
    });
  useEffect(() => void reload(), []);
  const email = (id: string) => users.find((u) => u.id === id)?.email ?? id.slice(0, 8);

  const addUser = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const d = new FormData(form);
    const password = field(d, 'password');
    void act(async () => {
      await api('POST', '/api/v1/users', { email: field(d, 'email').trim(), role: field(d, 'role'), ...(password ? { password } : {}) });
      form.reset();
      await reload();
    });
  };
  const addKey = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const d = new FormData(form);
    void act(async () => {
      const k = await api<{ name: string; key: string }>('POST', '/api/v1/api-keys', {
        name: field(d, 'name').trim(),
        userId: field(d, 'userId') || me.userId,
      });
      setCreated(k);
      form.reset();
      await reload();
    });
  };

  return (
    <div class="stack">
      <Alert text={error} />
      <section class="panel" aria-label="Users">
        <h2>Users</h2>
        <div class="table-wrap">
          <table>
            <Head cols={['Email', 'Role', 'Since', '']} />
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td>{u.email}</td>
                  <td>
                    <select
                      aria-label={`Role of ${u.email}`}
                      value={u.role}
                      disabled={u.id === me.userId}
                      onChange={(e) =>
                        void act(() => api('PATCH', `/api/v1/users/${u.id}`, { role: e.currentTarget.value as Role }).then(reload))
                      }
                    >
                      <option value="member">member</option>
                      <option value="admin">admin</option>
                    </select>
                  </td>
                  <td>{when(u.createdAt)}</td>
                  <td>
                    {u.id !== me.userId && (
                      <ConfirmButton
                        label="Delete"
                        question={`Delete ${u.email}?`}
                        onConfirm={() => void act(() => api('DELETE', `/api/v1/users/${u.id}`).then(reload))}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <form onSubmit={addUser} class="row wrap" aria-label="Add a user">
          <UserFields roles={['member', 'admin']} passwordRequired={false} />
          <button type="submit">Add user</button>
        </form>
      </section>

      <section class="panel" aria-label="API keys">
        <h2>API keys</h2>
        {created && (
          <div class="notice" role="status" data-testid="new-key">
            <p>
              Key <strong>{created.name}</strong> created. Copy it now: it is not shown again.
            </p>
            <div class="row">
              <code class="grow">{created.key}</code>
              <button type="button" onClick={() => void navigator.clipboard?.writeText(created.key)}>
                Copy
              </button>
              <button type="button" onClick={() => setCreated(null)}>
                Done
              </button>
            </div>
          </div>
        )}
        <div class="table-wrap">
          <table>
            <Head cols={['Name', 'Prefix', 'User', 'Created', 'Last used', 'State']} />
            <tbody>
              {keys.map((k) => (
                <tr key={k.id} data-testid="key-row" data-revoked={k.revokedAt ? 'yes' : 'no'}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{email(k.userId)}</td>
                  <td>{when(k.createdAt)}</td>
                  <td>{when(k.lastUsedAt)}</td>
                  <td>
                    {k.revokedAt ? (
                      <span class="muted">revoked {when(k.revokedAt)}</span>
                    ) : (
                      <ConfirmButton
                        label="Revoke"
                        question={`Revoke the key ${k.name}?`}
                        onConfirm={() => void act(() => api('DELETE', `/api/v1/api-keys/${k.id}`).then(reload))}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <form onSubmit={addKey} class="row wrap" aria-label="Create an API key">
          <label>
            Name
            <input name="name" required maxLength={100} />
          </label>
          <label>
            Acts as
            <select name="userId">
              {users.map((u) => (
                <option key={u.id} value={u.id} selected={u.id === me.userId}>
                  {u.email}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Create key</button>
        </form>
      </section>

      <section class="panel" aria-label="Usage">
        <h2>Usage</h2>
        {usage && (
          <>
            <p>
              Today (UTC): <strong>{usage.usedToday}</strong> chat tokens
              {usage.dailyTokenQuota !== null ? ` of a daily quota of ${usage.dailyTokenQuota}` : ' (no daily quota)'}.
            </p>
            {usage.dailyTokenQuota !== null && (
              <progress
                max={usage.dailyTokenQuota}
                value={Math.min(usage.usedToday, usage.dailyTokenQuota)}
                aria-label="Quota used today"
              />
            )}
            <div class="table-wrap">
              <table>
                <Head cols={['Day', 'Kind', 'Model', 'Prompt tokens', 'Completion tokens']} />
                <tbody>
                  {usage.items.map((r) => (
                    <tr key={`${r.day}-${r.kind}-${r.model}`}>
                      <td>{r.day}</td>
                      <td>{r.kind}</td>
                      <td>{r.model}</td>
                      <td>{r.promptTokens}</td>
                      <td>{r.completionTokens}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {usage.items.length === 0 && <p class="muted">No usage in the last 30 days.</p>}
          </>
        )}
      </section>
    </div>
  );
}
