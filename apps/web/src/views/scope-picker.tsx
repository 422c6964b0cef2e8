import type { Doc, Folder } from '../api.js';
import { folderTree } from './documents.js';

/** Two multi-selects: the folders and the documents a search or a conversation is limited to (none = everything). */
export function ScopePicker(props: {
  folders: Folder[];
  docs: Doc[];
  folderIds: string[];
  documentIds: string[];
  onChange: (scope: { folderIds: string[]; documentIds: string[] }) => void;
}) {
  const picked = (e: Event) => [...(e.currentTarget as HTMLSelectElement).selectedOptions].map((o) => o.value);
  return (
    <fieldset class="scope">
      <legend>Scope (nothing selected = all documents)</legend>
      <label>
        Folders
        <select
          multiple
          size={Math.min(4, Math.max(2, props.folders.length))}
          onChange={(e) => props.onChange({ folderIds: picked(e), documentIds: props.documentIds })}
        >
          {folderTree(props.folders).map(({ folder, depth }) => (
            <option key={folder.id} value={folder.id} selected={props.folderIds.includes(folder.id)}>
              {'\u00a0'.repeat(depth * 2)}
              {folder.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Documents
        <select
          multiple
          size={Math.min(4, Math.max(2, props.docs.length))}
          onChange={(e) => props.onChange({ folderIds: props.folderIds, documentIds: picked(e) })}
        >
          {props.docs.map((d) => (
            <option key={d.id} value={d.id} selected={props.documentIds.includes(d.id)}>
              {d.filename}
            </option>
          ))}
        </select>
      </label>
    </fieldset>
  );
}
