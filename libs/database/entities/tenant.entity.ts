import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { RateBudgets } from '../../config/config.js';

export interface TenantSettings {
  /** Default system prompt for this tenant's conversations. */
  systemPrompt?: string;
  /** Keyword search language: `auto` (or unset) detects each document's; a pg_ts_config name fixes it (search-language.ts). */
  searchLanguage?: string;
  /** Optional daily LLM token quota; unset = unlimited. */
  dailyTokenQuota?: number;
  /** Cap on unfinished (queued/processing) documents; unset = INGESTION_MAX_QUEUED_DOCUMENTS. */
  maxQueuedDocuments?: number;
  /** Cap on the total size of unfinished documents; unset = INGESTION_MAX_QUEUED_BYTES. */
  maxQueuedBytes?: number;
  /** Request budgets per minute overriding the RATE_LIMIT_* defaults (checked again when read: a stored value may be anything). */
  limits?: Partial<RateBudgets>;
}

@Entity('tenants')
export class TenantEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('text') slug: string;
  @Column('jsonb', { default: {} }) settings: TenantSettings;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
