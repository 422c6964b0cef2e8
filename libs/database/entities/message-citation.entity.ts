import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One cited chunk of an assistant message, as rows so that "which answers
 * used this document" is a query. The chunk may later be re-ingested or
 * deleted, so the chunk id is kept without a foreign key.
 */
@Entity('message_citations')
export class MessageCitationEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'message_id' }) messageId: string;
  @PrimaryColumn('int') rank: number;
  @Column('uuid', { name: 'chunk_id' }) chunkId: string;
  @Column('uuid', { name: 'document_id', nullable: true }) documentId: string | null;
  @Column('real') similarity: number;
}
