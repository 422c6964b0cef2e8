import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, upload, type Chunk, type Doc, type Folder, type List } from '../api.js';
import { bytes, field, message, where } from '../util.js';
import { Alert, ConfirmButton, Head, useAction } from '../ui.js';

/** Folders as an indented list: parents before their children. */
export function folderTree(folders: Folder[]): { folder: Folder; depth: number }[] {
  const out: { folder: Folder; depth: number }[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const f of folders.filter((x) => x.parentId === parent).sort((a, b) => a.name.localeCompare(b.name))) {
      out.push({ folder: f, depth });
      walk(f.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

export function useFolders() {
  const [folders, setFolders] = useState<Folder[]>([]);
  const reload = useCallback(() => api<List<Folder>>('GET', '/api/v1/folders').then((r) => setFolders(r.items)), []);
  useEffect(() => void reload().catch(() => {}), [reload]);
  return [folders, reload] as const;
}

interface Upload {
  key: number;
  name: string;
  progress: number;
  error?: string;
  done?: boolean;
}
let uploadKey = 0;

export function Documents() {
  const [folders, reloadFolders] = useFolders();
  const [folderId, setFolderId] = useState<string | null>(null);
  const [docs, setDocs] = useState<Doc[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [error, act] = useAction();
  const [openedId, setOpened] = useState<string | null>(null);
  const opened = docs.find((d) => d.id === openedId) ?? null; // live: its status follows the polling
  const [dragging, setDragging] = useState(false);
  const current = folders.find((f) => f.id === folderId) ?? null;

  const query = (cursor?: string) => {
    const q = new URLSearchParams({ limit: '100' });
    if (folderId) q.set('folderId', folderId);
    if (cursor) q.set('cursor', cursor);
    return api<List<Doc>>('GET', `/api/v1/documents?${q}`);
  };
  const reload = useCallback(
    () =>
      query().then((r) => {
        setDocs(r.items);
        setNext(r.nextCursor ?? null);
      }),
    [folderId],
  );
  useEffect(() => void act(reload), [reload]);

  // Live status: while any listed document is still queued or processing, refresh the list every
  // 1.5 s (the contract has no push channel for ingestion; one small GET per tick is cheap).
  const pending = docs.some((d) => d.status === 'queued' || d.status === 'processing');
  useEffect(() => {
    if (!pending) return;
    const t = setInterval(() => void reload().catch(() => {}), 1500);
    return () => clearInterval(t);
  }, [pending, reload]);

  const sendFiles = (files: File[]) => {
    const target = folderId;
    for (const file of files) {
      const key = ++uploadKey;
      setUploads((u) => [...u, { key, name: file.name, progress: 0 }]);
      const set = (patch: Partial<Upload>) => setUploads((u) => u.map((x) => (x.key === key ? { ...x, ...patch } : x)));
      upload(file, target, (p) => set({ progress: p }))
        .then(() => {
          set({ progress: 1, done: true });
          return reload();
        })
        .catch((e: unknown) => set({ error: message(e) }));
    }
  };

  const newFolder = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const name = field(new FormData(form), 'name').trim();
    if (!name) return;
    void act(async () => {
      const f = await api<Folder>('POST', '/api/v1/folders', { name, parentId: folderId });
      form.reset();
      await reloadFolders();
      setFolderId(f.id);
    });
  };
  const rename = () => {
    const name = current && prompt('New name of the folder', current.name);
    if (current && name) void act(() => api('PATCH', `/api/v1/folders/${current.id}`, { name }).then(reloadFolders));
  };
  const move = (parentId: string) =>
    current && void act(() => api('PATCH', `/api/v1/folders/${current.id}`, { parentId: parentId || null }).then(reloadFolders));
  const remove = () => {
    if (current && confirm(`Delete the folder “${current.name}”?`))
      void act(async () => {
        await api('DELETE', `/api/v1/folders/${current.id}`);
        setFolderId(current.parentId);
        await reloadFolders();
      });
  };
  // A folder cannot move into itself or below itself.
  const below = (id: string | null | undefined): boolean => !!id && (id === folderId || below(folders.find((f) => f.id === id)?.parentId));
  const tree = folderTree(folders);

  return (
    <div class="split">
      <aside class="panel" aria-label="Folders">
        <h2>Folders</h2>
        <ul class="folders">
          <li>
            <button type="button" aria-current={folderId === null} onClick={() => setFolderId(null)}>
              All documents
            </button>
          </li>
          {tree.map(({ folder, depth }) => (
            <li key={folder.id} style={{ paddingLeft: `${depth}rem` }}>
              <button type="button" aria-current={folderId === folder.id} onClick={() => setFolderId(folder.id)}>
                {folder.name}
              </button>
            </li>
          ))}
        </ul>
        <form onSubmit={newFolder} class="row">
          <label class="grow">
            <span class="sr-only">New folder name{current ? ` inside ${current.name}` : ''}</span>
            <input name="name" placeholder={current ? `New folder in ${current.name}` : 'New folder'} maxLength={255} />
          </label>
          <button type="submit">Create</button>
        </form>
        {current && (
          <div class="stack folder-actions">
            <div class="row">
              <button type="button" onClick={rename}>
                Rename
              </button>
              <button type="button" class="danger" onClick={remove}>
                Delete
              </button>
            </div>
            <label>
              Move to
              <select value={current.parentId ?? ''} onChange={(e) => move(e.currentTarget.value)}>
                <option value="">(top level)</option>
                {tree
                  .filter(({ folder }) => !below(folder.id))
                  .map(({ folder, depth }) => (
                    <option key={folder.id} value={folder.id}>
                      {'\u00a0'.repeat(depth * 2)}
                      {folder.name}
                    </option>
                  ))}
              </select>
            </label>
          </div>
        )}
      </aside>

      <section class="panel grow" aria-label="Documents">
        <h2>{current ? current.name : 'All documents'}</h2>
        <div
          class={`dropzone${dragging ? ' over' : ''}`}
          data-testid="dropzone"
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            sendFiles([...(e.dataTransfer?.files ?? [])]);
          }}
        >
          <p>Drop files here{current ? ` to upload into ${current.name}` : ''}, or</p>
          <label class="button">
            Choose files
            <input
              type="file"
              multiple
              class="sr-only"
              onChange={(e) => {
                const input = e.currentTarget;
                sendFiles([...(input.files ?? [])]);
                input.value = '';
              }}
            />
          </label>
        </div>
        {uploads.length > 0 && (
          <ul class="uploads" aria-label="Uploads">
            {uploads.map((u) => (
              <li key={u.key}>
                <span class="name">{u.name}</span>
                <progress max={1} value={u.progress} aria-label={`Upload of ${u.name}`} />
                <span class={u.error ? 'error' : 'muted'}>{u.error ?? (u.done ? 'uploaded' : `${Math.round(u.progress * 100)} %`)}</span>
              </li>
            ))}
            <li class="clear">
              <button type="button" onClick={() => setUploads((u) => u.filter((x) => !x.done && !x.error))}>
                Clear finished
              </button>
            </li>
          </ul>
        )}
        <Alert text={error} />
        <div class="table-wrap">
          <table class="docs">
            <Head cols={['File', 'Status', 'Pages', 'Chunks', 'Size', '']} />
            <tbody>
              {docs.map((d) => (
                <tr key={d.id} data-testid="doc-row" data-status={d.status}>
                  <td>
                    <button type="button" class="link" onClick={() => setOpened(d.id)}>
                      {d.filename}
                    </button>
                  </td>
                  <td>
                    <Status doc={d} />
                  </td>
                  <td>{d.pageCount ?? '—'}</td>
                  <td>{d.chunkCount ?? '—'}</td>
                  <td>{bytes(d.sizeBytes)}</td>
                  <td class="actions">
                    <button type="button" onClick={() => void act(() => api('POST', `/api/v1/documents/${d.id}/reprocess`).then(reload))}>
                      Reprocess
                    </button>
                    <ConfirmButton
                      label="Delete"
                      question={`Delete ${d.filename}?`}
                      onConfirm={() =>
                        void act(async () => {
                          await api('DELETE', `/api/v1/documents/${d.id}`);
                          if (openedId === d.id) setOpened(null);
                          await reload();
                        })
                      }
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {docs.length === 0 && <p class="muted">No documents here yet.</p>}
          {next && (
            <button
              type="button"
              onClick={() =>
                void act(() =>
                  query(next).then((r) => {
                    setDocs((d) => [...d, ...r.items]);
                    setNext(r.nextCursor ?? null);
                  }),
                )
              }
            >
              Load more
            </button>
          )}
        </div>
        {opened && <Chunks doc={opened} onClose={() => setOpened(null)} />}
      </section>
    </div>
  );
}

function Status({ doc }: { doc: Doc }) {
  if (doc.status === 'processing')
    return (
      <span class="status processing">
        processing {doc.progress} %
        <progress max={100} value={doc.progress} aria-hidden="true" />
      </span>
    );
  if (doc.status === 'failed') return <span class="status failed">failed: {doc.error ?? 'unknown error'}</span>;
  return <span class={`status ${doc.status}`}>{doc.status}</span>;
}

function Chunks({ doc, onClose }: { doc: Doc; onClose: () => void }) {
  const [chunks, setChunks] = useState<Chunk[] | null>(null);
  const [error, act] = useAction();
  useEffect(() => {
    setChunks(null);
    void act(() => api<List<Chunk>>('GET', `/api/v1/documents/${doc.id}/chunks`).then((r) => setChunks(r.items)));
  }, [doc.id, doc.status]);
  return (
    <section class="chunks" aria-label={`Chunks of ${doc.filename}`}>
      <div class="row">
        <h3 class="grow">Chunks of {doc.filename}</h3>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {error && <p class="error">{error}</p>}
      {chunks === null ? (
        <p>Loading…</p>
      ) : chunks.length === 0 ? (
        <p class="muted">No chunks{doc.status === 'ready' ? '' : ` yet (${doc.status})`}.</p>
      ) : (
        <ol>
          {chunks.map((c) => (
            <li key={c.id}>
              <p class="muted">
                #{c.index + 1} · {where(c)} · {c.tokenCount} tokens
              </p>
              <p class="chunk-text">{c.content}</p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
