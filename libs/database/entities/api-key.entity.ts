import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** API keys are stored as a SHA-256 of the full key; only the prefix is kept readable. */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'user_id' }) userId: string;
  @Column('text') name: string;
  @Column('text') prefix: string;
  @Column('text', { name: 'key_hash', select: false }) keyHash: string;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) lastUsedAt: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
