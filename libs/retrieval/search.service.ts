import { Inject, Injectable, type FactoryProvider } from '@nestjs/common';
import type { EmbeddingProvider } from '../ai/embedding/embedding-provider.js';
import { EMBEDDING_PROVIDER } from '../ai/embedding/embedding.factory.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { TenantDb } from '../database/tenant-db.js';
import { currentTenantId } from '../tenancy/tenant-context.js';
import { SearchRepository } from './search.repository.js';
import type { SearchHit, SearchRequest } from './search.types.js';

/** SearchRepository as a provider: its settings come from the configuration. */
export const searchRepositoryProvider: FactoryProvider<SearchRepository> = {
  provide: SearchRepository,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => new SearchRepository(config.vectorIndex),
};

/** Tenant-scoped search: embeds the query (outside any transaction), then one short search transaction. */
@Injectable()
export class SearchService {
  constructor(
    private readonly db: TenantDb,
    private readonly repo: SearchRepository,
    @Inject(EMBEDDING_PROVIDER) private readonly embedder: EmbeddingProvider,
  ) {}

  async search(req: SearchRequest, signal?: AbortSignal): Promise<SearchHit[]> {
    const tenantId = currentTenantId();
    const [vector] = await this.embedder.embed([req.query], signal);
    if (!vector) throw new Error('the embedding provider returned no vector for the query');
    return this.db.run((m) => this.repo.search(m, { ...req, tenantId, vector }));
  }
}
