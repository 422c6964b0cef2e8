import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** What happened to a document during ingestion, attempt by attempt: the "why is it stuck" answer. */
@Entity('ingestion_events')
export class IngestionEventEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'document_id' }) documentId: string;
  @Column('int') attempt: number;
  @Column('text') stage: string;
  @Column('text', { nullable: true }) message: string | null;
  @Column('jsonb', { default: {} }) details: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
