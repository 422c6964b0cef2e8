import { useState } from 'preact/hooks';
import { signIn, type Session } from '../session.js';
import { field, message } from '../util.js';
import { Alert } from '../ui.js';

export function SignIn({ notice, onSignedIn }: { notice: string; onSignedIn: (s: Session) => void }) {
  const [mode, setMode] = useState<'user' | 'platform'>('user');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError('');
    try {
      onSignedIn(
        await signIn(
          mode === 'platform'
            ? { mode, key: field(data, 'key').trim() }
            : { mode, tenant: field(data, 'tenant').trim(), email: field(data, 'email').trim(), password: field(data, 'password') },
        ),
      );
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <h1>ragdocs console</h1>
      {notice && <p class="notice">{notice}</p>}
      <div role="tablist" class="segmented" aria-label="Who signs in">
        <button type="button" role="tab" aria-selected={mode === 'user'} onClick={() => setMode('user')}>
          Tenant user
        </button>
        <button type="button" role="tab" aria-selected={mode === 'platform'} onClick={() => setMode('platform')}>
          Platform admin
        </button>
      </div>
      <form onSubmit={(e) => void submit(e)} class="stack" aria-label={mode === 'user' ? 'Sign in' : 'Platform admin sign in'}>
        {mode === 'user' ? (
          <>
            <label>
              Tenant
              <input name="tenant" autocomplete="organization" required placeholder="acme" />
            </label>
            <label>
              Email
              <input name="email" type="email" autocomplete="username" required />
            </label>
            <label>
              Password
              <input name="password" type="password" autocomplete="current-password" required />
            </label>
          </>
        ) : (
          <label>
            Admin key
            <input name="key" type="password" autocomplete="off" required />
          </label>
        )}
        <Alert text={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
