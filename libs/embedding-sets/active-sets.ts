import { Injectable } from '@nestjs/common';
import { TtlCache } from '../concurrency/ttl-cache.js';
import { TenantDb } from '../database/tenant-db.js';
import type { EmbeddingModelSpec } from './embedding-model.js';
import { EmbeddingModels } from './embedding-models.js';
import { EmbeddingSetsRepository } from './embedding-sets.repository.js';

/** The model a query of a tenant is embedded with, and the set its vector belongs to (undefined: the tenant has none yet). */
export interface QueryModel extends EmbeddingModelSpec {
  setId?: number;
}

/** How long a tenant's active set is taken as known. A switch is noticed sooner: search reports it (EmbeddingSetChanged). */
const TTL_MS = 5_000;

/**
 * Which model embeds a tenant's queries: its active set's, remembered for a few seconds
 * so that a search costs no extra transaction. A stale entry costs one more embedding:
 * the search transaction checks the set and hands back the one that is active.
 */
@Injectable()
export class ActiveSets {
  private readonly known = new TtlCache<QueryModel>(TTL_MS);

  constructor(
    private readonly db: TenantDb,
    private readonly repo: EmbeddingSetsRepository,
    private readonly models: EmbeddingModels,
  ) {}

  async of(tenantId: string): Promise<QueryModel> {
    const hit = this.known.get(tenantId);
    if (hit) return hit;
    const set = await this.db.runFor(tenantId, (m) => this.repo.active(m, tenantId));
    return this.remember(
      tenantId,
      set ? { provider: set.provider, model: set.model, dimensions: set.dimensions, setId: set.id } : this.models.platformDefault,
    );
  }

  remember(tenantId: string, model: QueryModel): QueryModel {
    return this.known.set(tenantId, model);
  }
}

/** The tenant's active set is not the one the query was embedded for (a switch finished): embed it again with this one. */
export class EmbeddingSetChanged extends Error {
  constructor(readonly active: QueryModel) {
    super(`the tenant's active embedding set is now ${active.setId} (${active.model}, ${active.dimensions} dimensions)`);
    this.name = 'EmbeddingSetChanged';
  }
}
