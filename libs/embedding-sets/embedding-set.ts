import type { ProviderKind } from '../config/config.js';
import type { EmbeddingModelSpec } from './embedding-model.js';

/**
 * - active: what search, chat and new uploads use; one per tenant.
 * - building: a switch in progress, filled by the worker; at most one per tenant.
 * - retired: replaced by a switch; cancelled: a switch given up. Their vectors are
 *   dropped by the worker (dropped_at), the row stays as history.
 */
export type SetState = 'active' | 'building' | 'retired' | 'cancelled';

/** Where a building set is: its chunks being embedded, its HNSW index being built (large tenants), the flip. */
export type SetPhase = 're-embedding' | 'indexing' | 'switching';

/** One of a tenant's embedding sets (table embedding_sets): a model and the vectors it made of the tenant's chunks. */
export interface EmbeddingSet extends EmbeddingModelSpec {
  tenantId: string;
  /** Counts per tenant from 1. */
  id: number;
  state: SetState;
  phase: SetPhase | null;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
  droppedAt: Date | null;
  /** When the current run of the switch job began and how many chunks were done then: the ETA's baseline. */
  runStartedAt: Date | null;
  runStartedDone: number | null;
  errorCount: number;
  lastError: string | null;
  lastErrorAt: Date | null;
  /** The switch job used up its attempts; a new POST of the same model resumes it. */
  failedAt: Date | null;
}

export const SET_COLUMNS = `tenant_id, id, provider, model, dimensions, state, phase, created_at, activated_at, retired_at, dropped_at,
  run_started_at, run_started_done, error_count, last_error, last_error_at, failed_at`;

export function toEmbeddingSet(r: Record<string, unknown>): EmbeddingSet {
  return {
    tenantId: r.tenant_id as string,
    id: Number(r.id),
    provider: r.provider as ProviderKind,
    model: r.model as string,
    dimensions: Number(r.dimensions),
    state: r.state as SetState,
    phase: (r.phase as SetPhase | null) ?? null,
    createdAt: r.created_at as Date,
    activatedAt: (r.activated_at as Date | null) ?? null,
    retiredAt: (r.retired_at as Date | null) ?? null,
    droppedAt: (r.dropped_at as Date | null) ?? null,
    runStartedAt: (r.run_started_at as Date | null) ?? null,
    runStartedDone: r.run_started_done === null || r.run_started_done === undefined ? null : Number(r.run_started_done),
    errorCount: Number(r.error_count ?? 0),
    lastError: (r.last_error as string | null) ?? null,
    lastErrorAt: (r.last_error_at as Date | null) ?? null,
    failedAt: (r.failed_at as Date | null) ?? null,
  };
}
