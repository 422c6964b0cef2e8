/**
 * Pieces of PostgreSQL's COPY BINARY format shared by the writers of vectors
 * (insert-chunks.ts: a document's chunks; insert-vectors.ts: a set's vectors of existing chunks).
 */

/** Signature, flags, header extension length. */
export const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);

/** The field count -1 that ends the data. */
export const COPY_TRAILER = Buffer.from([0xff, 0xff]);

/** Bytes of a halfvec field, its length prefix included. */
export const halfvecFieldBytes = (dimensions: number) => 4 + 4 + 2 * dimensions;

/**
 * Writes a halfvec field at `o` and returns the offset after it: pgvector's halfvec binary
 * form is int16 dimensions, int16 unused, then big-endian IEEE half floats.
 */
export function writeHalfvec(b: Buffer, o: number, vector: ArrayLike<number>): number {
  o = b.writeInt32BE(4 + 2 * vector.length, o);
  o = b.writeInt16BE(vector.length, o);
  o = b.writeInt16BE(0, o);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < vector.length; i++, o += 2) view.setFloat16(o, vector[i]!);
  return o;
}

/** Writes a uuid field at `o` and returns the offset after it. */
export function writeUuid(b: Buffer, o: number, id: string): number {
  o = b.writeInt32BE(16, o);
  return o + Buffer.from(id.replace(/-/g, ''), 'hex').copy(b, o);
}
