import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import type { StorageEngine } from 'multer';

/**
 * How much of the start of an upload is kept in memory for type detection: what
 * detectFileType inspects of a text file (its TEXT_SNIFF_BYTES), and far more than the
 * PDF and ZIP signatures. A ZIP's entry list is read from the file on disk (upload-type.ts).
 */
export const UPLOAD_HEAD_BYTES = 64 * 1024;

/** What the storage engine adds to multer's file: where the bytes are, and what was learnt while they streamed past. */
export interface StoredUpload {
  originalname: string;
  /** The temporary file holding the whole upload (removed once the request is over). */
  path: string;
  size: number;
  /** sha256 of the bytes, hex: the per-tenant duplicate key. */
  sha256: string;
  /** The first UPLOAD_HEAD_BYTES bytes. */
  head: Buffer;
}

const DIR_PREFIX = 'ragdocs-upload-';
/** Directories this process made (tests start several apps in one process): never swept. */
const ownDirs = new Set<string>();

/**
 * A multer storage engine that streams each upload into a file of this process's
 * private directory while hashing it and keeping only its head, so the API never
 * holds a whole upload in memory (multer's memoryStorage did: 20 concurrent 45 MB
 * uploads took the API from 570 MB to 2.2 GB). multer still enforces
 * UPLOAD_MAX_BYTES on the stream (413) and calls _removeFile for anything stored when
 * a request fails or is aborted; RemoveUploadedFileInterceptor removes the file once
 * the request is over on every other path. The bytes go to PostgreSQL only after the
 * body has been received in full, so a slow client never holds a database connection.
 *
 * Why a custom engine rather than multer.diskStorage: the hash and the head are taken
 * from the same pass over the stream, instead of reading 45 MB back from disk twice.
 */
export class PrivateUploadStorage implements StorageEngine {
  /** Write streams still open, so _removeFile can close one before unlinking (an abort lands mid-write). */
  private readonly writing = new WeakMap<object, WriteStream>();

  private constructor(readonly dir: string) {}

  /**
   * A fresh 0700 directory under `root`, named for this host and process, so that
   * the directories of processes that died without cleaning up (SIGKILL, OOM) can be
   * found and removed at the next start. Other live processes' directories are left alone.
   */
  static create(root: string): PrivateUploadStorage {
    mkdirSync(root, { recursive: true });
    removeDeadProcessDirs(root);
    // mkdtemp creates the directory with mode 0700 whatever the umask.
    const dir = mkdtempSync(join(root, `${DIR_PREFIX}${safeHostname()}-${process.pid}-`));
    ownDirs.add(dir);
    return new PrivateUploadStorage(dir);
  }

  _handleFile(_req: Request, file: Express.Multer.File, cb: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
    const path = join(this.dir, randomUUID());
    const hash = createHash('sha256');
    const head: Buffer[] = [];
    let headLength = 0;
    let size = 0;
    const observe = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        if (headLength < UPLOAD_HEAD_BYTES) {
          const part = Buffer.from(chunk.subarray(0, UPLOAD_HEAD_BYTES - headLength)); // a copy: the chunk itself can go
          head.push(part);
          headLength += part.length;
        }
        done(null, chunk);
      },
    });
    // 'wx': never follow or reuse an existing name; 0600: only this user reads uploads.
    const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.writing.set(file, out);
    // Set before the first byte is written, so multer's abort clean-up finds a partial file.
    file.path = path;
    pipeline(file.stream, observe, out).then(
      () => {
        this.writing.delete(file);
        const info: Partial<StoredUpload> = { path, size, sha256: hash.digest('hex'), head: Buffer.concat(head) };
        cb(null, info);
      },
      async (err: unknown) => {
        await closed(out);
        this.writing.delete(file);
        await rm(path, { force: true }).catch(() => undefined);
        cb(err);
      },
    );
  }

  _removeFile(_req: Request, file: Express.Multer.File, cb: (error: Error | null) => void): void {
    void removeStoredFile(file.path, this.writing.get(file)).then(
      () => cb(null),
      (e: Error) => cb(e),
    );
  }

  /** Called on shutdown: anything still in the directory belongs to requests that cannot finish. */
  dispose(): void {
    ownDirs.delete(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Removes an upload's temporary file; a missing one is fine (removed already, or never created). */
export async function removeStoredFile(path: string | undefined, open?: WriteStream): Promise<void> {
  // An open write stream could still create the file after an unlink: close it first.
  if (open) await closed(open);
  if (path) await rm(path, { force: true });
}

function closed(stream: WriteStream): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('close', () => resolve());
    stream.destroy();
  });
}

function safeHostname(): string {
  return hostname().replace(/[^A-Za-z0-9.]/g, '_');
}

/** Directories `ragdocs-upload-<this host>-<pid>-*` whose process is gone. */
function removeDeadProcessDirs(root: string): void {
  const prefix = `${DIR_PREFIX}${safeHostname()}-`;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(entry.name.slice(prefix.length))?.[1]);
    const dir = join(root, entry.name);
    // Our own pid in a name we did not make is a previous process's (a restarted container's pid 1).
    if (!pid || ownDirs.has(dir) || (pid !== process.pid && isAlive(pid))) continue;
    rmSync(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, but someone else's
  }
}
