import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, postEventStream, type Citation, type Conversation, type Hit, type List, type Message, type Usage } from '../api.js';
import { useOpenChunk } from '../chunk-viewer.js';
import { message as errorText, where } from '../util.js';
import { Alert } from '../ui.js';
import { useFolders } from './documents.js';
import { ScopePicker } from './scope-picker.js';
import { useReadyDocs } from './search.js';

/** One source a [n] can point at. */
type Source = Pick<Hit, 'chunkId' | 'documentId' | 'filename' | 'pageFrom' | 'pageTo' | 'section' | 'similarity'>;

interface Turn {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  /** [n] → sources[n-1]; for stored answers rebuilt from their citations. */
  sources: (Source | undefined)[];
  usage?: Usage;
  streaming?: boolean;
  error?: string;
}

/**
 * A stored answer keeps only the sources it cites, in the order of their numbers; so the k-th
 * smallest number cited in the text is the k-th citation.
 */
function sourcesOf(m: Message): (Source | undefined)[] {
  const citations: Citation[] = m.metadata.citations ?? [];
  const numbers = [...new Set([...m.content.matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1])))].sort((a, b) => a - b);
  const out: (Source | undefined)[] = [];
  if (numbers.length === citations.length) numbers.forEach((n, i) => (out[n - 1] = citations[i]));
  return out;
}

export function Chat({ conversationId }: { conversationId: string | undefined }) {
  const [list, setList] = useState<Conversation[]>([]);
  const [error, setError] = useState('');
  const reload = () =>
    api<List<Conversation>>('GET', '/api/v1/conversations?limit=100')
      .then((r) => setList(r.items))
      .catch((e: unknown) => setError(errorText(e)));
  useEffect(() => void reload(), []);
  const current = list.find((c) => c.id === conversationId);

  const create = async () => {
    try {
      const c = await api<Conversation>('POST', '/api/v1/conversations', { title: 'New conversation' });
      await reload();
      location.hash = `#/chat/${c.id}`;
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <div class="split">
      <aside class="panel" aria-label="Conversations">
        <div class="row">
          <h2 class="grow">Conversations</h2>
          <button type="button" class="primary" onClick={() => void create()}>
            New
          </button>
        </div>
        <Alert text={error} />
        <ul class="conversations">
          {list.map((c) => (
            <li key={c.id}>
              <a href={`#/chat/${c.id}`} aria-current={c.id === conversationId ? 'page' : undefined} data-testid="conversation">
                {c.title || 'Untitled'}
              </a>
            </li>
          ))}
          {list.length === 0 && <li class="muted">No conversations yet.</li>}
        </ul>
      </aside>
      {current ? (
        <ConversationView key={current.id} conversation={current} onChanged={() => void reload()} />
      ) : (
        <section class="panel grow">
          <p class="muted">{conversationId ? 'This conversation is not among yours.' : 'Pick a conversation or start a new one.'}</p>
        </section>
      )}
    </div>
  );
}

function ConversationView({ conversation, onChanged }: { conversation: Conversation; onChanged: () => void }) {
  const [turns, setTurns] = useState<Turn[]>([]);
  const [question, setQuestion] = useState('');
  // The question field opens once the history is in: a question sent before would be overwritten by it.
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState('');
  const abort = useRef<AbortController | null>(null);
  const streaming = turns.some((t) => t.streaming);
  // Follow the answer as it grows while the reader is at the bottom; leave them alone when they scrolled up.
  const list = useRef<HTMLOListElement>(null);
  const atBottom = useRef(true);
  useLayoutEffect(() => {
    if (atBottom.current && list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [turns]);

  useEffect(() => {
    api<List<Message>>('GET', `/api/v1/conversations/${conversation.id}/messages`)
      .then((r) =>
        setTurns(
          r.items
            .filter((m) => m.role !== 'system')
            .map((m) => ({
              id: m.id,
              role: m.role as 'user' | 'assistant',
              content: m.content,
              sources: m.role === 'assistant' ? sourcesOf(m) : [],
              usage: m.metadata.usage,
            })),
        ),
      )
      .catch((e: unknown) => setError(errorText(e)))
      .finally(() => setLoaded(true));
    return () => abort.current?.abort();
  }, [conversation.id]);

  const ask = async (e: Event) => {
    e.preventDefault();
    // Read from the field itself: a keystroke's state update may not have re-rendered this closure yet.
    const field = (e.currentTarget as HTMLFormElement).elements.namedItem('question') as HTMLTextAreaElement;
    const content = field.value.trim();
    if (!content || streaming || !loaded) return;
    setQuestion('');
    setError('');
    const id = `pending-${Date.now()}`;
    const update = (patch: (t: Turn) => Partial<Turn>) => setTurns((ts) => ts.map((t) => (t.id === id ? { ...t, ...patch(t) } : t)));
    setTurns((ts) => [
      ...ts,
      { id: `${id}-q`, role: 'user', content, sources: [] },
      { id, role: 'assistant', content: '', sources: [], streaming: true },
    ]);
    abort.current = new AbortController();
    try {
      for await (const ev of postEventStream(`/api/v1/conversations/${conversation.id}/messages`, { content }, abort.current.signal)) {
        if (ev.event === 'sources') update(() => ({ sources: (ev.data as List<Source>).items }));
        else if (ev.event === 'token') update((t) => ({ content: t.content + (ev.data as { text: string }).text }));
        else if (ev.event === 'done') update(() => ({ usage: (ev.data as { usage: Usage }).usage }));
        else if (ev.event === 'error') update(() => ({ error: (ev.data as { message?: string }).message ?? 'the answer failed' }));
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') update(() => ({ error: errorText(err) }));
    } finally {
      update(() => ({ streaming: false }));
      onChanged();
    }
  };

  return (
    <section class="panel grow chat" aria-label={conversation.title ?? 'Conversation'}>
      <Settings conversation={conversation} onChanged={onChanged} />
      <ol
        class="messages"
        ref={list}
        aria-live="polite"
        aria-busy={streaming}
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {turns.map((t) => (
          <li key={t.id} class={`msg ${t.role}`} data-testid={`msg-${t.role}`}>
            {t.role === 'assistant' ? <Answer turn={t} /> : <p>{t.content}</p>}
          </li>
        ))}
      </ol>
      <Alert text={error} />
      <form onSubmit={(e) => void ask(e)} class="row ask">
        <label class="grow">
          <span class="sr-only">Your question</span>
          <textarea
            name="question"
            rows={2}
            disabled={!loaded}
            value={question}
            placeholder="Ask about your documents (Enter sends, Shift+Enter adds a line)"
            onInput={(e) => setQuestion(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                (e.currentTarget.form as HTMLFormElement).requestSubmit();
              }
            }}
          />
        </label>
        {streaming ? (
          <button type="button" onClick={() => abort.current?.abort()}>
            Stop
          </button>
        ) : (
          <button type="submit" class="primary" disabled={!loaded}>
            Send
          </button>
        )}
      </form>
    </section>
  );
}

/** Usage line, then the sources (they arrive before the first token), then the text with [n] as buttons: only the text grows while streaming. */
function Answer({ turn }: { turn: Turn }) {
  const openChunk = useOpenChunk();
  const sources = turn.sources;
  const parts = turn.content.split(/(\[\d+\])/);
  return (
    <>
      {/* The usage line sits above the text with its height reserved, so nothing moves when it fills in. */}
      <p class="muted usage" data-testid="usage">
        {turn.usage ? `${turn.usage.promptTokens} prompt + ${turn.usage.completionTokens} completion tokens` : '\u00a0'}
      </p>
      {sources.some(Boolean) && (
        <details class="sources" open={turn.streaming}>
          <summary>Sources ({sources.filter(Boolean).length})</summary>
          <ol>
            {sources.map(
              (s, i) =>
                s && (
                  <li key={i} value={i + 1}>
                    <button type="button" class="link" onClick={() => openChunk({ documentId: s.documentId, chunkId: s.chunkId })}>
                      {s.filename}
                    </button>{' '}
                    <span class="muted">
                      {where(s)} · sim {s.similarity.toFixed(2)}
                    </span>
                  </li>
                ),
            )}
          </ol>
        </details>
      )}
      <p class="answer" data-testid="answer">
        {parts.map((p, i) => {
          const n = /^\[(\d+)\]$/.exec(p);
          const s = n ? sources[Number(n[1]) - 1] : undefined;
          return s ? (
            <button
              key={i}
              type="button"
              class="cite"
              title={`${s.filename}, ${where(s)}`}
              onClick={() => openChunk({ documentId: s.documentId, chunkId: s.chunkId })}
            >
              {p}
            </button>
          ) : (
            p
          );
        })}
        {turn.streaming && <span class="caret" aria-hidden="true" />}
      </p>
      <Alert text={turn.error} />
    </>
  );
}

/** Title, system prompt and scope of the conversation (PATCH /conversations/:id), and delete. */
function Settings({ conversation, onChanged }: { conversation: Conversation; onChanged: () => void }) {
  const [folders] = useFolders();
  const docs = useReadyDocs();
  const [draft, setDraft] = useState({
    title: conversation.title ?? '',
    systemPrompt: conversation.systemPrompt ?? '',
    folderIds: conversation.folderIds,
    documentIds: conversation.documentIds,
  });
  const [status, setStatus] = useState('');
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      await api('PATCH', `/api/v1/conversations/${conversation.id}`, {
        title: draft.title || null,
        systemPrompt: draft.systemPrompt || null,
        folderIds: draft.folderIds,
        documentIds: draft.documentIds,
      });
      setStatus('Saved.');
      onChanged();
    } catch (err) {
      setStatus(errorText(err));
    }
  };
  const remove = async () => {
    if (!confirm('Delete this conversation and its messages?')) return;
    try {
      await api('DELETE', `/api/v1/conversations/${conversation.id}`);
      location.hash = '#/chat';
      onChanged();
    } catch (err) {
      setStatus(errorText(err));
    }
  };
  return (
    <details class="settings">
      <summary>
        <h2 class="inline">{conversation.title || 'Untitled'}</h2> <span class="muted">settings</span>
      </summary>
      <form onSubmit={(e) => void save(e)} class="stack">
        <label>
          Title
          <input value={draft.title} maxLength={200} onInput={(e) => setDraft({ ...draft, title: e.currentTarget.value })} />
        </label>
        <label>
          System prompt (empty = the tenant's default)
          <textarea rows={3} value={draft.systemPrompt} onInput={(e) => setDraft({ ...draft, systemPrompt: e.currentTarget.value })} />
        </label>
        <ScopePicker
          folders={folders}
          docs={docs}
          folderIds={draft.folderIds}
          documentIds={draft.documentIds}
          onChange={(s) => setDraft({ ...draft, ...s })}
        />
        <div class="row">
          <button type="submit" class="primary">
            Save
          </button>
          <button type="button" class="danger" onClick={() => void remove()}>
            Delete conversation
          </button>
          <span role="status">{status}</span>
        </div>
      </form>
    </details>
  );
}
