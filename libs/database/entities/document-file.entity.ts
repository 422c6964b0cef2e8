import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The uploaded bytes, stored beside the document row so both commit together. */
@Entity('document_files')
export class DocumentFileEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid', { name: 'document_id' }) documentId: string;
  @Column('bytea') data: Buffer;
}
