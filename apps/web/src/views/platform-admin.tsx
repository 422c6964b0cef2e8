import { useEffect, useState } from 'preact/hooks';
import { api, type List, type Tenant, type TenantSettings } from '../api.js';
import { field, when } from '../util.js';
import { Alert, useAction, UserFields } from '../ui.js';

/** Reads the settings fields of a form; empty fields are left out (the server's defaults apply). */
function settingsOf(d: FormData): TenantSettings {
  const num = (name: string) => {
    const v = field(d, name).trim();
    return v === '' ? undefined : Number(v);
  };
  const language = field(d, 'searchLanguage').trim();
  const limits = {
    searchPerMinute: num('searchPerMinute'),
    chatPerMinute: num('chatPerMinute'),
    uploadPerMinute: num('uploadPerMinute'),
    openaiPerMinute: num('openaiPerMinute'),
  };
  const s: TenantSettings = {
    ...(language ? { searchLanguage: language } : {}),
    dailyTokenQuota: num('dailyTokenQuota'),
    maxQueuedDocuments: num('maxQueuedDocuments'),
    ...(Object.values(limits).some((v) => v !== undefined) ? { limits } : {}),
  };
  return JSON.parse(JSON.stringify(s)) as TenantSettings; // drops the undefined fields
}

function SettingsFields({ s = {} }: { s?: TenantSettings }) {
  const n = (v: number | undefined) => (v === undefined ? '' : String(v));
  return (
    <>
      <label>
        Search language
        <input name="searchLanguage" placeholder="auto (per document)" defaultValue={s.searchLanguage ?? ''} pattern="[a-z_]{2,63}" />
      </label>
      <label>
        Daily token quota
        <input name="dailyTokenQuota" type="number" min={0} placeholder="unlimited" defaultValue={n(s.dailyTokenQuota)} />
      </label>
      <label>
        Max queued documents
        <input name="maxQueuedDocuments" type="number" min={1} placeholder="server default" defaultValue={n(s.maxQueuedDocuments)} />
      </label>
      {(['searchPerMinute', 'chatPerMinute', 'uploadPerMinute', 'openaiPerMinute'] as const).map((k) => (
        <label key={k}>
          {k.replace('PerMinute', '')} / minute
          <input name={k} type="number" min={0} placeholder="default" defaultValue={n(s.limits?.[k])} />
        </label>
      ))}
    </>
  );
}

export function PlatformAdmin() {
  const [tenants, setTenants] = useState<Tenant[]>([]);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, run] = useAction();
  const [status, setStatus] = useState('');
  const act = async (what: () => Promise<unknown>, done = '') => {
    setStatus('');
    if (await run(what)) setStatus(done);
  };
  const reload = () => api<List<Tenant>>('GET', '/api/v1/admin/tenants').then((r) => setTenants(r.items));
  useEffect(() => void act(reload), []);

  const create = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const d = new FormData(form);
    void act(async () => {
      await api('POST', '/api/v1/admin/tenants', { name: field(d, 'name').trim(), slug: field(d, 'slug').trim(), settings: settingsOf(d) });
      form.reset();
      await reload();
    }, 'Tenant created.');
  };
  const save = (t: Tenant) => (e: Event) => {
    e.preventDefault();
    const d = new FormData(e.currentTarget as HTMLFormElement);
    void act(async () => {
      // PATCH replaces the settings: keep those this form does not show.
      const { systemPrompt, maxQueuedBytes } = t.settings;
      const settings = {
        ...(systemPrompt !== undefined ? { systemPrompt } : {}),
        ...(maxQueuedBytes !== undefined ? { maxQueuedBytes } : {}),
        ...settingsOf(d),
      };
      await api('PATCH', `/api/v1/admin/tenants/${t.id}`, { name: field(d, 'name').trim(), settings });
      setEditing(null);
      await reload();
    }, `Settings of ${t.slug} saved.`);
  };
  const addUser = (t: Tenant) => (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const d = new FormData(form);
    void act(async () => {
      await api('POST', `/api/v1/admin/tenants/${t.id}/users`, {
        email: field(d, 'email').trim(),
        role: field(d, 'role'),
        password: field(d, 'password'),
      });
      form.reset();
    }, `User added to ${t.slug}.`);
  };

  return (
    <div class="stack">
      <section class="panel">
        <h2>Platform</h2>
        <p>
          <a href="/docs" target="_blank" rel="noopener">
            API reference (/docs)
          </a>{' '}
          ·{' '}
          <a href="/admin/queues" target="_blank" rel="noopener">
            Queue dashboard (/admin/queues)
          </a>{' '}
          <span class="muted">(the browser asks for user “admin” and the admin key)</span>
        </p>
      </section>
      <Alert text={error} />
      {status && (
        <p role="status" class="notice">
          {status}
        </p>
      )}
      <section class="panel" aria-label="Tenants">
        <h2>Tenants</h2>
        <ul class="tenants">
          {tenants.map((t) => (
            <li key={t.id} data-testid="tenant">
              <div class="row wrap">
                <strong class="grow">
                  {t.name} <code>{t.slug}</code>
                </strong>
                <span class="muted">
                  {t.settings.searchLanguage ?? 'auto'} · quota {t.settings.dailyTokenQuota ?? '∞'} · since {when(t.createdAt)}
                </span>
                <button type="button" aria-expanded={editing === t.id} onClick={() => setEditing(editing === t.id ? null : t.id)}>
                  Settings
                </button>
              </div>
              {editing === t.id && (
                <div class="stack">
                  <form onSubmit={save(t)} class="grid" aria-label={`Settings of ${t.slug}`}>
                    <label>
                      Name
                      <input name="name" required defaultValue={t.name} />
                    </label>
                    <SettingsFields s={t.settings} />
                    <button type="submit" class="primary">
                      Save settings
                    </button>
                  </form>
                  <form onSubmit={addUser(t)} class="row wrap" aria-label={`Add a user to ${t.slug}`}>
                    <UserFields roles={['admin', 'member']} passwordRequired />
                    <button type="submit">Add user</button>
                  </form>
                </div>
              )}
            </li>
          ))}
        </ul>
      </section>
      <section class="panel" aria-label="New tenant">
        <h2>New tenant</h2>
        <form onSubmit={create} class="grid">
          <label>
            Name
            <input name="name" required maxLength={200} />
          </label>
          <label>
            Slug (used to sign in)
            <input name="slug" required pattern="[a-z0-9][a-z0-9\-]{1,62}" />
          </label>
          <SettingsFields />
          <button type="submit" class="primary">
            Create tenant
          </button>
        </form>
      </section>
    </div>
  );
}
