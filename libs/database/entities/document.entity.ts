import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type DocumentStatus = 'queued' | 'processing' | 'ready' | 'failed';

@Entity('documents')
export class DocumentEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'user_id', nullable: true }) userId: string | null;
  @Column('uuid', { name: 'folder_id', nullable: true }) folderId: string | null;
  /** The uploader's file name, kept as data only (sanitised, never used as a path). */
  @Column('text') filename: string;
  @Column('text', { name: 'mime_type' }) mimeType: string;
  @Column('bigint', { name: 'size_bytes', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } }) sizeBytes: number;
  @Column('text', { name: 'content_hash' }) contentHash: string;
  @Column('text') status: DocumentStatus;
  @Column('text', { nullable: true }) error: string | null;
  @Column('smallint', { default: 0 }) progress: number;
  @Column('int', { name: 'page_count', nullable: true }) pageCount: number | null;
  @Column('int', { name: 'chunk_count', nullable: true }) chunkCount: number | null;
  @Column('int', { default: 0 }) attempts: number;
  /** When the current queued/processing state expires and the reconciler re-enqueues it. */
  @Column('timestamptz', { name: 'lease_expires_at', nullable: true }) leaseExpiresAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
