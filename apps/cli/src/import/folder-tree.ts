import { ApiError, type FolderView, type RagdocsClient } from './api-client.js';

/**
 * Finds or creates folders by path ("Manuals/pumps/2024") through the public folders API.
 * The tenant's folders are listed once; each path is resolved once per run (concurrent
 * uploads into the same directory share the promise), so a folder is never created twice
 * by this process. Another client creating it meanwhile answers 409: we list again and use theirs.
 */
export class FolderTree {
  private readonly ids = new Map<string, string>();
  private readonly resolving = new Map<string, Promise<string | null>>();

  private constructor(private readonly client: RagdocsClient) {}

  static async load(client: RagdocsClient): Promise<FolderTree> {
    const tree = new FolderTree(client);
    tree.index(await client.folders());
    return tree;
  }

  /** The folder id at this path of names (top level first); null for the empty path (no folder). */
  resolve(names: string[]): Promise<string | null> {
    if (names.length === 0) return Promise.resolve(null);
    const path = names.join('/');
    let pending = this.resolving.get(path);
    if (!pending) {
      pending = this.resolve(names.slice(0, -1)).then((parentId) => this.findOrCreate(names[names.length - 1]!, parentId));
      this.resolving.set(path, pending);
    }
    return pending;
  }

  private async findOrCreate(name: string, parentId: string | null): Promise<string> {
    const known = this.ids.get(key(name, parentId));
    if (known) return known;
    try {
      const created = await this.client.createFolder(name, parentId);
      this.index([created]);
      return created.id;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 409))
        throw new Error(`folder "${name}": ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      this.index(await this.client.folders());
      const theirs = this.ids.get(key(name, parentId));
      if (!theirs) throw new Error(`folder "${name}": ${e.message}`, { cause: e });
      return theirs;
    }
  }

  private index(folders: FolderView[]): void {
    for (const f of folders) this.ids.set(key(f.name, f.parentId), f.id);
  }
}

/** The API trims names, and names are unique among the children of one parent. */
const key = (name: string, parentId: string | null) => `${parentId ?? ''}/${name.trim()}`;
