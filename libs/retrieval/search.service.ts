import { Inject, Injectable } from '@nestjs/common';
import type { EmbeddingProvider } from '../ai/embedding/embedding-provider.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { EMBEDDING_PROVIDER } from '../ai/embedding/embedding.factory.js';
import { TenantDb } from '../database/tenant-db.js';
import { currentTenantId } from '../tenancy/tenant-context.js';
import { SearchRepository } from './search.repository.js';
import type { SearchHit, SearchRequest } from './search.types.js';

/** Tenant-scoped search: embeds the query (outside any transaction), then one short search transaction. */
@Injectable()
export class SearchService {
  private readonly repo: SearchRepository;

  constructor(
    private readonly db: TenantDb,
    @Inject(EMBEDDING_PROVIDER) private readonly embedder: EmbeddingProvider,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.repo = new SearchRepository(config.vectorIndex);
  }

  async search(req: SearchRequest, signal?: AbortSignal): Promise<SearchHit[]> {
    const tenantId = currentTenantId();
    const [vector] = await this.embedder.embed([req.query], signal);
    return this.db.run((m) => this.repo.search(m, { ...req, tenantId, vector }));
  }
}
