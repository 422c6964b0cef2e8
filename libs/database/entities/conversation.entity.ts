import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('conversations')
export class ConversationEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'user_id' }) userId: string;
  @Column('text', { nullable: true }) title: string | null;
  @Column('text', { name: 'system_prompt', nullable: true }) systemPrompt: string | null;
  @Column('uuid', { name: 'folder_ids', array: true, default: () => "'{}'" }) folderIds: string[];
  @Column('uuid', { name: 'document_ids', array: true, default: () => "'{}'" }) documentIds: string[];
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
