export type SearchMode = 'vector' | 'keyword' | 'hybrid';

export interface SearchScope {
  folderIds?: string[];
  documentIds?: string[];
}

export interface SearchRequest extends SearchScope {
  query: string;
  topK: number;
  mode: SearchMode;
  minScore?: number;
}

export interface SearchHit {
  chunkId: string;
  documentId: string;
  filename: string;
  content: string;
  /** What the results are ordered by: similarity (vector), tier + squashed ts_rank (keyword, see SearchRepository.keyword) or the fused score (hybrid: min-max-scaled, 0.6 vector + 0.4 keyword). */
  score: number;
  /** 1 - cosine distance, as in the seed's query. */
  similarity: number;
  pageFrom: number;
  pageTo: number;
  /** Heading path of the chunk's section ("CREATE SEQUENCE › Parameters"), null where the document has none. */
  section: string | null;
}

/** A source an answer cites: the hit it came from, without its text or score (stored in messages.metadata, sent in SSE `sources`). */
export type Citation = Pick<SearchHit, 'chunkId' | 'documentId' | 'filename' | 'pageFrom' | 'pageTo' | 'section' | 'similarity'>;
