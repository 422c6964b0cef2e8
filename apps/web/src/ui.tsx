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
