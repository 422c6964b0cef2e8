import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { TenantRole } from '../../tenancy/tenant-context.js';

@Entity('users')
export class UserEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('uuid') id: string;
  @Column('text') email: string;
  @Column('text') role: TenantRole;
  @Column('text', { name: 'password_hash', nullable: true, select: false }) passwordHash: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
