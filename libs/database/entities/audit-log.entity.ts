import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Security-relevant actions (users, keys, deletions) inside a tenant. */
@Entity('audit_logs')
export class AuditLogEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'actor_user_id', nullable: true }) actorUserId: string | null;
  @Column('text') action: string;
  @Column('text', { name: 'target_type', nullable: true }) targetType: string | null;
  @Column('uuid', { name: 'target_id', nullable: true }) targetId: string | null;
  @Column('jsonb', { default: {} }) details: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
