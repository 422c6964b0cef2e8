import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * One chunk of a document and its vector. The vector's dimension is fixed by
 * the migration (EMBEDDING_DIMENSIONS); `tsv` (generated) serves keyword search
 * and is not mapped here. Chunks are written in bulk by the ingestion
 * repository, not through this entity.
 */
@Entity('embeddings')
export class EmbeddingEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'document_id' }) documentId: string;
  @Column('int', { name: 'chunk_index' }) chunkIndex: number;
  @Column('text') content: string;
  @Column('vector', { select: false }) embedding: number[];
  @Column('int', { name: 'page_from' }) pageFrom: number;
  @Column('int', { name: 'page_to' }) pageTo: number;
  @Column('int', { name: 'char_start' }) charStart: number;
  @Column('int', { name: 'char_end' }) charEnd: number;
  @Column('int', { name: 'token_count' }) tokenCount: number;
  @Column('text') model: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
