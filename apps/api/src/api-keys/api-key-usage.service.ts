import { Injectable, Logger } from '@nestjs/common';
import { TtlCache } from '#libs/concurrency/ttl-cache.js';
import { TenantDb } from '#libs/database/tenant-db.js';
import { ApiKeysRepository } from './api-keys.repository.js';

/** lastUsedAt is as precise as this: a key in use is written at most once per interval. */
export const LAST_USED_INTERVAL_SECONDS = 60;

/**
 * Records when an API key was last used (the keys list shows it) without a write per request:
 * within one process a memo skips a key recorded in the last interval, and across processes the
 * UPDATE only changes a row whose last_used_at is older than the interval. Off the request path
 * and best effort: the request does not wait for it, and a failed write is logged, never the
 * request's failure.
 */
@Injectable()
export class ApiKeyUsageService {
  private readonly logger = new Logger('ApiKeyUsage');
  private readonly recent = new TtlCache<true>(LAST_USED_INTERVAL_SECONDS * 1000);

  constructor(
    private readonly db: TenantDb,
    private readonly repo: ApiKeysRepository,
  ) {}

  /** Called for every request authenticated by an API key; returns at once. */
  used(tenantId: string, keyId: string): void {
    const memo = `${tenantId}:${keyId}`;
    if (this.recent.get(memo)) return;
    this.recent.set(memo, true);
    this.db
      .runFor(tenantId, (m) => this.repo.touch(m, keyId, LAST_USED_INTERVAL_SECONDS))
      .catch((e: unknown) =>
        this.logger.warn(`lastUsedAt of API key ${keyId} not recorded: ${e instanceof Error ? e.message : String(e)}`),
      );
  }
}
