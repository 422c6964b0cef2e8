import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Chunk } from '../../ingestion/chunker.js';

/** What a stored chunk needs besides its vector: the chunker's output. */
export type ChunkRow = Chunk;

/**
 * pgvector's text form. Eight significant digits keep every bit of the
 * float4 that pgvector stores, and keep the statement about half the size
 * of JavaScript's default 17-digit number printing (measured in bench/).
 */
export function vectorLiteral(v: ArrayLike<number>): string {
  let out = '[';
  for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + v[i].toPrecision(8);
  return out + ']';
}

/** Rows per INSERT statement: keeps each statement's parameters a few MB at most. */
const INSERT_BATCH = 200;

/**
 * Bulk insert of a document's chunks: one multi-row `INSERT ... SELECT FROM
 * unnest(...)` per 200 rows, in the caller's tenant transaction. (COPY is
 * faster but PostgreSQL refuses COPY FROM into tables with row-level security.)
 * `vectors[i]` is the vector of the chunk whose `index` is i.
 */
export async function insertChunks(
  m: EntityManager,
  doc: { tenantId: string; documentId: string; model: string; searchConfig: string },
  chunks: readonly ChunkRow[],
  vectors: readonly ArrayLike<number>[],
): Promise<void> {
  for (let start = 0; start < chunks.length; start += INSERT_BATCH) {
    const part = chunks.slice(start, start + INSERT_BATCH);
    await m.query(
      `INSERT INTO embeddings (tenant_id, id, document_id, chunk_index, content, embedding, page_from, page_to,
                               char_start, char_end, token_count, model, search_config)
       SELECT $1, u.id, $2, u.idx, u.content, u.emb::vector, u.pf, u.pt, u.cs, u.ce, u.tc, $3, $4::regconfig
       FROM unnest($5::uuid[], $6::int[], $7::text[], $8::text[], $9::int[], $10::int[], $11::int[], $12::int[], $13::int[])
            AS u(id, idx, content, emb, pf, pt, cs, ce, tc)`,
      [
        doc.tenantId, doc.documentId, doc.model, doc.searchConfig,
        part.map(() => randomUUID()), part.map((c) => c.index), part.map((c) => c.content.replace(/\u0000/g, '')),
        part.map((c) => vectorLiteral(vectors[c.index])), part.map((c) => c.pageFrom), part.map((c) => c.pageTo),
        part.map((c) => c.charStart), part.map((c) => c.charEnd), part.map((c) => c.tokenCount),
      ],
    );
  }
}
