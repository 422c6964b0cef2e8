import { Injectable, type FactoryProvider } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { TenantDb } from '../database/tenant-db.js';
import { ActiveSets, EmbeddingSetChanged } from '../embedding-sets/active-sets.js';
import { EmbeddingModels } from '../embedding-sets/embedding-models.js';
import { searchDuration, timed } from '../metrics/metrics.js';
import { currentTenantId } from '../tenancy/tenant-context.js';
import { SearchRepository } from './search.repository.js';
import type { SearchHit, SearchRequest } from './search.types.js';

/** SearchRepository as a provider: its settings come from the configuration. */
export const searchRepositoryProvider: FactoryProvider<SearchRepository> = {
  provide: SearchRepository,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => new SearchRepository(config.vectorIndex),
};

/** Embeddings of a query before giving up: a second switch within one search is as far as it goes. */
const MAX_EMBEDDINGS = 3;

/**
 * Tenant-scoped search: embeds the query (outside any transaction) with the model of the
 * tenant's active embedding set, then one short search transaction in one snapshot. When
 * a switch made another set active in between, the transaction says which, and the query
 * is embedded again with its model: results always come from one set, the active one.
 */
@Injectable()
export class SearchService {
  constructor(
    private readonly db: TenantDb,
    private readonly repo: SearchRepository,
    private readonly activeSets: ActiveSets,
    private readonly models: EmbeddingModels,
  ) {}

  search(req: SearchRequest, signal?: AbortSignal): Promise<SearchHit[]> {
    return timed(
      (s) => searchDuration.observe({ mode: req.mode }, s),
      () => this.run(req, signal),
    );
  }

  private async run(req: SearchRequest, signal?: AbortSignal): Promise<SearchHit[]> {
    const tenantId = currentTenantId();
    let model = await this.activeSets.of(tenantId);
    for (let attempt = 1; ; attempt++) {
      const [vector] = await this.models.get(model).embed([req.query], signal);
      if (!vector) throw new Error('the embedding provider returned no vector for the query');
      try {
        return await this.db.snapshot((m) => this.repo.search(m, { ...req, tenantId, vector, setId: model.setId }));
      } catch (e) {
        if (!(e instanceof EmbeddingSetChanged) || attempt >= MAX_EMBEDDINGS) throw e;
        model = this.activeSets.remember(tenantId, e.active);
      }
    }
  }
}
