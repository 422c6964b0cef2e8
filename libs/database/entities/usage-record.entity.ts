import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Tokens used per tenant, day, kind and model: feeds quotas and billing. */
@Entity('usage_records')
export class UsageRecordEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId: string;
  @PrimaryColumn('date') day: string;
  @PrimaryColumn('text') kind: 'chat' | 'embedding';
  @PrimaryColumn('text') model: string;
  @Column('bigint', { name: 'prompt_tokens', default: 0 }) promptTokens: string;
  @Column('bigint', { name: 'completion_tokens', default: 0 }) completionTokens: string;
  @Column('int', { default: 0 }) requests: number;
}
