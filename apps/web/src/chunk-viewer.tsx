import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { api, type Chunk, type Doc, type List } from './api.js';
import { message, where } from './util.js';

/** What to show: a chunk of a document (a citation, a search hit). */
export interface OpenChunk {
  documentId: string;
  chunkId: string;
}

export const ChunkViewerContext = createContext<(c: OpenChunk | null) => void>(() => {});
export const useOpenChunk = () => useContext(ChunkViewerContext);

/** A modal dialog with the chunk, its document and its page/section (native <dialog>: focus trap and Esc for free). */
export function ChunkViewer({ open, onClose }: { open: OpenChunk; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [state, setState] = useState<{ doc: Doc; chunk: Chunk | undefined } | { error: string } | null>(null);
  useEffect(() => {
    ref.current?.showModal();
    let live = true;
    Promise.all([
      api<Doc>('GET', `/api/v1/documents/${open.documentId}`),
      api<List<Chunk>>('GET', `/api/v1/documents/${open.documentId}/chunks`),
    ])
      .then(([doc, chunks]) => live && setState({ doc, chunk: chunks.items.find((c) => c.id === open.chunkId) }))
      .catch((e: unknown) => live && setState({ error: message(e) }));
    return () => {
      live = false;
    };
  }, [open.documentId, open.chunkId]);
  return (
    <dialog ref={ref} class="viewer" aria-labelledby="viewer-title" onClose={onClose} data-testid="chunk-viewer">
      {state === null ? (
        <p>Loading…</p>
      ) : 'error' in state ? (
        <p role="alert">{state.error}</p>
      ) : (
        <>
          <h2 id="viewer-title">{state.doc.filename}</h2>
          {state.chunk ? (
            <>
              <p class="muted">
                {where(state.chunk)} · chunk {state.chunk.index + 1} of {state.doc.chunkCount ?? '?'}
              </p>
              <blockquote class="chunk-text">{state.chunk.content}</blockquote>
            </>
          ) : (
            <p role="alert">This passage is no longer in the document (it was reprocessed or deleted).</p>
          )}
        </>
      )}
      <form method="dialog">
        <button autofocus>Close</button>
      </form>
    </dialog>
  );
}
