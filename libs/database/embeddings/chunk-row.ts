/**
 * What a stored chunk holds besides its vector and ids (the embeddings row). The
 * chunker (libs/ingestion) produces these; persistence defines them, so the pipeline
 * depends on the database layer and never the other way round.
 */
export interface ChunkRow {
  /** Position in the document, 0-based; vectors are matched to chunks by it. */
  index: number;
  content: string;
  pageFrom: number;
  pageTo: number;
  /** Offsets into the document's text, end exclusive. */
  charStart: number;
  charEnd: number;
  tokenCount: number;
  /** Heading path of the chunk's section; null or absent where the document has none. */
  section?: string | null;
}
