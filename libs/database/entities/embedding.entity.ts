import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * One chunk of a document and its vector in one embedding set (halfvec, stored
 * inline; see the SearchLayout and EmbeddingSets migrations). The vector has its
 * set's dimension; a chunk has a row per set while a switch is under way, with
 * the same id. `tsv` (generated) and `seq` (write order, for the per-tenant
 * vector indexes) are not mapped here. Chunks are written in bulk by the
 * ingestion repository, not through this entity.
 */
@Entity('embeddings')
export class EmbeddingEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @PrimaryColumn('int', { name: 'set_id' }) setId: number;
  @Column('uuid', { name: 'document_id' }) documentId: string;
  @Column('int', { name: 'chunk_index' }) chunkIndex: number;
  @Column('text') content: string;
  @Column('halfvec', { select: false }) embedding: number[];
  @Column('int', { name: 'page_from' }) pageFrom: number;
  @Column('int', { name: 'page_to' }) pageTo: number;
  @Column('int', { name: 'char_start' }) charStart: number;
  @Column('int', { name: 'char_end' }) charEnd: number;
  @Column('int', { name: 'token_count' }) tokenCount: number;
  @Column('text') model: string;
  /** Heading path of the chunk's section (chunker.ts), null where the document has no headings. */
  @Column('text', { nullable: true }) section: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
