import { useEffect, useState } from 'preact/hooks';
import { setToken, whenUnauthorized } from './api.js';
import type { Session } from './session.js';
import { ChunkViewer, ChunkViewerContext, type OpenChunk } from './chunk-viewer.js';
import { SignIn } from './views/sign-in.js';
import { Documents } from './views/documents.js';
import { Search } from './views/search.js';
import { Chat } from './views/chat.js';
import { TenantAdmin } from './views/tenant-admin.js';
import { PlatformAdmin } from './views/platform-admin.js';

/** The part of the URL after '#': routes live there, so the server only ever serves `/` and never shadows an API path. */
function useRoute(): string {
  const read = () => location.hash.replace(/^#\/?/, '') || '';
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [open, setOpen] = useState<OpenChunk | null>(null);
  const [notice, setNotice] = useState('');
  const route = useRoute();

  const signOut = (why = '') => {
    setToken(null);
    setSession(null);
    setNotice(why);
    location.hash = '';
  };
  useEffect(() => whenUnauthorized(() => signOut('Your session has ended: sign in again.')), []);

  if (!session)
    return (
      <SignIn
        notice={notice}
        onSignedIn={(s) => {
          setNotice('');
          setSession(s);
          location.hash = s.kind === 'platform' ? '#/platform' : '#/documents';
        }}
      />
    );

  const tabs: [string, string][] =
    session.kind === 'platform'
      ? [['platform', 'Tenants']]
      : [
          ['documents', 'Documents'],
          ['search', 'Search'],
          ['chat', 'Chat'],
          ...(session.me.role === 'admin' ? ([['admin', 'Admin']] as [string, string][]) : []),
        ];
  const section = route.split('/')[0] || tabs[0]![0];
  const view =
    session.kind === 'platform' ? (
      <PlatformAdmin />
    ) : section === 'search' ? (
      <Search />
    ) : section === 'chat' ? (
      <Chat conversationId={route.split('/')[1]} />
    ) : section === 'admin' && session.me.role === 'admin' ? (
      <TenantAdmin me={session.me} />
    ) : (
      <Documents />
    );

  return (
    <ChunkViewerContext.Provider value={setOpen}>
      <header class="top">
        <strong class="brand">ragdocs</strong>
        <nav aria-label="Main">
          {tabs.map(([id, label]) => (
            <a key={id} href={`#/${id}`} aria-current={section === id ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who" data-testid="who">
          {session.kind === 'platform' ? 'platform admin' : `${session.me.email} · ${session.tenant} · ${session.me.role}`}
        </span>
        <button type="button" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main>{view}</main>
      {open && <ChunkViewer open={open} onClose={() => setOpen(null)} />}
    </ChunkViewerContext.Provider>
  );
}
