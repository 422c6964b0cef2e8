import { useEffect, useState } from 'preact/hooks';
import { api, type Doc, type Hit, type List } from '../api.js';
import { useOpenChunk } from '../chunk-viewer.js';
import { highlight, message, where } from '../util.js';
import { Alert } from '../ui.js';
import { useFolders } from './documents.js';
import { ScopePicker } from './scope-picker.js';

type Mode = 'hybrid' | 'vector' | 'keyword';

export function useReadyDocs(): Doc[] {
  const [docs, setDocs] = useState<Doc[]>([]);
  useEffect(() => {
    api<List<Doc>>('GET', '/api/v1/documents?status=ready&limit=100')
      .then((r) => setDocs(r.items))
      .catch(() => {});
  }, []);
  return docs;
}

export function Search() {
  const [folders] = useFolders();
  const docs = useReadyDocs();
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<Mode>('hybrid');
  const [scope, setScope] = useState({ folderIds: [] as string[], documentIds: [] as string[] });
  const [hits, setHits] = useState<{ query: string; items: Hit[] } | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const openChunk = useOpenChunk();

  const run = async (e: Event) => {
    e.preventDefault();
    if (!query.trim()) return;
    setBusy(true);
    setError('');
    setHits(null);
    try {
      const body = {
        query,
        mode,
        topK: 10,
        ...(scope.folderIds.length ? { folderIds: scope.folderIds } : {}),
        ...(scope.documentIds.length ? { documentIds: scope.documentIds } : {}),
      };
      setHits({ query, items: (await api<List<Hit>>('POST', '/api/v1/search', body)).items });
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-label="Search">
      <h2>Search</h2>
      <form onSubmit={(e) => void run(e)} class="stack" role="search">
        <div class="row">
          <label class="grow">
            <span class="sr-only">Search query</span>
            <input
              type="search"
              value={query}
              onInput={(e) => setQuery(e.currentTarget.value)}
              placeholder="Search your documents"
              maxLength={2000}
            />
          </label>
          <label>
            <span class="sr-only">Mode</span>
            <select value={mode} onChange={(e) => setMode(e.currentTarget.value as Mode)} aria-label="Mode">
              <option value="hybrid">hybrid</option>
              <option value="vector">vector</option>
              <option value="keyword">keyword</option>
            </select>
          </label>
          <button type="submit" class="primary" disabled={busy}>
            Search
          </button>
        </div>
        <details>
          <summary>Scope</summary>
          <ScopePicker folders={folders} docs={docs} {...scope} onChange={setScope} />
        </details>
      </form>
      <Alert text={error} />
      {hits && (
        <ol class="hits" aria-label="Results">
          {hits.items.length === 0 && <p class="muted">Nothing found.</p>}
          {hits.items.map((h) => (
            <li key={h.chunkId} data-testid="hit">
              <div class="row">
                <button type="button" class="link grow" onClick={() => openChunk({ documentId: h.documentId, chunkId: h.chunkId })}>
                  {h.filename}
                </button>
                <span class="muted">{where(h)}</span>
                <span class="score" title="score (ranking) · similarity (1 − cosine distance)">
                  {h.score.toFixed(3)} · sim {h.similarity.toFixed(3)}
                </span>
              </div>
              <p class="chunk-text">{highlight(h.content, hits.query).map((p, i) => (p.hit ? <mark key={i}>{p.text}</mark> : p.text))}</p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
