import { opendir, stat } from 'node:fs/promises';
import { join, matchesGlob } from 'node:path';

/** A regular file under the imported directory. */
export interface TreeFile {
  /** Absolute path, to read it. */
  path: string;
  /** Path relative to the imported directory with '/' separators: what globs, folders, output and state use. */
  rel: string;
  size: number;
}

export interface ScanFilter {
  /** A file is taken when it matches one of these (relative paths, node's path.matchesGlob syntax). */
  include: string[];
  /** ...and none of these; a directory matching one is not entered at all. */
  exclude: string[];
}

/**
 * The files under `root`, sorted by relative path so that every run meets them in the same
 * order. Hidden entries (a name starting with '.', such as .git or .DS_Store) are skipped,
 * like a shell's `*` does; symbolic links to files are followed, to directories are not (no cycles).
 */
export async function scanTree(root: string, filter: ScanFilter): Promise<TreeFile[]> {
  const found: TreeFile[] = [];
  const walk = async (dir: string, relDir: string): Promise<void> => {
    for await (const entry of await opendir(dir)) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        // A trailing slash lets both "drafts" and "**/drafts/**" name the directory itself.
        if (!filter.exclude.some((g) => matchesGlob(`${rel}/`, g))) await walk(path, rel);
        continue;
      }
      if (!entry.isFile() && !entry.isSymbolicLink()) continue;
      if (!filter.include.some((g) => matchesGlob(rel, g)) || filter.exclude.some((g) => matchesGlob(rel, g))) continue;
      const info = await stat(path).catch(() => null); // a dangling link is no file
      if (info?.isFile()) found.push({ path, rel, size: info.size });
    }
  };
  await walk(root, '');
  return found.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** The directory part of a relative path ('' at the top). */
export const dirOf = (rel: string): string => rel.slice(0, Math.max(0, rel.lastIndexOf('/')));
