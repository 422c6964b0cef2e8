import { useState } from 'preact/hooks';
import { message } from './util.js';

/** An error in plain words, announced to screen readers; nothing when there is none. */
export function Alert({ text }: { text: string | undefined }) {
  return text ? (
    <p role="alert" class="error">
      {text}
    </p>
  ) : null;
}

/** A table's head row; an empty label is the actions column (named for screen readers only). */
export function Head({ cols }: { cols: string[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c) => (
          <th scope="col" key={c}>
            {c || <span class="sr-only">Actions</span>}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** Runs an action and keeps its error for <Alert> (cleared when the next one starts); resolves to whether it worked. */
export function useAction(): [string, (what: () => Promise<unknown>) => Promise<boolean>] {
  const [error, setError] = useState('');
  const act = async (what: () => Promise<unknown>) => {
    setError('');
    try {
      await what();
      return true;
    } catch (e) {
      setError(message(e));
      return false;
    }
  };
  return [error, act];
}

/** A destructive button that asks first (the browser's own confirm dialog: keyboard- and screen-reader-ready). */
export function ConfirmButton({ label, question, onConfirm }: { label: string; question: string; onConfirm: () => void }) {
  return (
    <button type="button" class="danger" onClick={() => confirm(question) && onConfirm()}>
      {label}
    </button>
  );
}

/** The fields of a new user: email, role (the first listed is the default) and password. */
export function UserFields({ roles, passwordRequired }: { roles: ('admin' | 'member')[]; passwordRequired: boolean }) {
  return (
    <>
      <label>
        Email
        <input name="email" type="email" required />
      </label>
      <label>
        Role
        <select name="role">
          {roles.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      <label>
        {passwordRequired ? 'Password (8+)' : 'Password (optional, 8+)'}
        <input name="password" type="password" minLength={8} required={passwordRequired} autocomplete="new-password" />
      </label>
    </>
  );
}
