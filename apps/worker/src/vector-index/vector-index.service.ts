import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { TenantDb } from '#libs/database/tenant-db.js';
import type { EmbeddingSet } from '#libs/embedding-sets/embedding-set.js';
import { EmbeddingSetsRepository } from '#libs/embedding-sets/embedding-sets.repository.js';
import { EmbeddingSwitchQueue } from '#libs/queue/embedding-switch.queue.js';
import { VectorIndexQueue } from '#libs/queue/vector-index.queue.js';
import { refreshKeywordStats } from '#libs/retrieval/keyword-stats.js';
import {
  IVF_CENTRES,
  ivfListsFor,
  vectorIndexLayoutStale,
  vectorIndexMethodFor,
  vectorIndexNames,
  vectorIndexPartNames,
  vectorIndexPartsFor,
  type IndexedRows,
  type VectorIndexMethod,
} from '#libs/retrieval/vector-index.js';
import { ivfCentres } from './ivf-centres.js';
import { hexToUuid, VectorIndexRepository, type VectorIndexBuild } from './vector-index.repository.js';

/** pg-pool's error when its wait for a pooled client times out (node_modules/pg-pool/index.js). */
const POOL_WAIT_TIMEOUT = 'timeout exceeded when trying to connect';

/** How long a failed switch job stays failed before the sweep asks for it again (its processor marks the set failed meanwhile). */
const FAILED_JOB_GRACE_MS = 60_000;

export type MaintainResult = 'small' | 'up-to-date' | 'built' | 'rebuilt' | 'busy' | 'gone';

/**
 * Keeps each large tenant's own vector index (see libs/retrieval/vector-index.ts), one per
 * embedding set: builds it when the set reaches VECTOR_INDEX_MIN_ROWS chunks, rebuilds it
 * with a new watermark once the rows written since (searched exactly until then) pass
 * VECTOR_INDEX_REBUILD_ROWS and VECTOR_INDEX_REBUILD_PERCENT of the index, or when its method is
 * not the one its size calls for (VECTOR_IVF_MAX_ROWS: IVFFlat up to it, HNSW above), then drops the
 * index it replaced. Search never waits for any of it: without an index a tenant is
 * searched exactly. The sweep runs for the active sets; a switch has its new set's index
 * built (maintainSet) before that set becomes active, and the old set's dropped after.
 * The same check keeps the set's common words for the keyword side (keyword-stats.ts), and gives a
 * large set its own full-text index (buildKeywordIndex).
 */
@Injectable()
export class VectorIndexService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(VectorIndexService.name);
  /** The owner's connection for DDL: one, because concurrent index builds on one table wait for each other anyway. */
  private readonly owner: pg.Pool;
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  /** Backend pid of a running build, cancelled at shutdown (it leaves an invalid index, which is dropped). */
  private building?: number;
  /** Set at shutdown: no build starts after it (a cancelled build must not be followed by the next one). */
  private stopping = false;

  constructor(
    private readonly db: TenantDb,
    private readonly repo: VectorIndexRepository,
    private readonly sets: EmbeddingSetsRepository,
    private readonly queue: VectorIndexQueue,
    private readonly switches: EmbeddingSwitchQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.owner = new pg.Pool({
      connectionString: config.database.migrationUrl,
      max: 1,
      application_name: 'ragdocs-vector-index',
      connectionTimeoutMillis: config.database.connectTimeoutMs,
    });
    this.owner.on('error', (e) => this.logger.warn(`owner connection: ${e.message}`));
  }

  onApplicationBootstrap(): void {
    const tick = () => {
      this.sweeping ??= this.sweep()
        .catch((e) => this.logger.warn(`vector index sweep failed: ${(e as Error).message}`))
        .finally(() => (this.sweeping = undefined));
    };
    setTimeout(tick, 2_000).unref();
    this.timer = setInterval(tick, this.config.vectorIndex.sweepIntervalMs);
    this.timer.unref();
  }

  /**
   * Checks one tenant: builds or rebuilds its active set's index when due, and asks again
   * for the switch job of each set with work left (its job may have been lost with Redis).
   */
  async maintain(tenantId: string): Promise<MaintainResult> {
    const { active, workLeft } = await this.db.runFor(tenantId, async (m) => ({
      active: await this.sets.active(m, tenantId),
      workLeft: await this.sets.withWorkLeft(m, tenantId),
    }));
    // A job that used up its attempts is kept by the queue (7 days), and asking again under its id would do nothing: a
    // retired or cancelled set's drop would never finish, and a building set whose job failed without being marked
    // failed (the database was down) would show re-embedding for ever. Its failed job goes, the switch runs anew.
    for (const set of workLeft) await this.switches.request(tenantId, set.id, { again: true, failedBeforeMs: FAILED_JOB_GRACE_MS });
    if (!active) return 'small';
    return this.maintainSet(active);
  }

  /**
   * Counts the set's common words when due (keyword-stats.ts), then builds or rebuilds its index when due (the rules of
   * the class comment). A switch calls it for its new set before search moves there: search reads a set without counted
   * words through its key (the KeywordRankAndPath migration), which for a large set would read all of its rows.
   */
  async maintainSet(set: EmbeddingSet): Promise<MaintainResult> {
    const s = this.config.vectorIndex;
    const { tenantId } = set;
    // Search without them is still right, only slower: a failure here must not stop the index.
    await this.db
      .runFor(tenantId, (m) => refreshKeywordStats(m, tenantId, set.id))
      .catch((e) => this.logger.warn(`keyword stats of tenant ${tenantId}, set ${set.id}: ${(e as Error).message}`));
    const state = await this.db.runFor(tenantId, (m) => this.repo.state(m, tenantId, set.id, s.minRows));
    const keywordDue = !state.keywordIndex && state.rows >= s.minRows;
    if (!state.index && state.rows < s.minRows) return 'small';
    const vectorDue =
      !state.index ||
      state.unindexed >= Math.max(s.rebuildRows, (state.index.indexedRows * s.rebuildPercent) / 100) ||
      vectorIndexLayoutStale(state.index, s);
    // An IVF index registered before the registry kept centres (the IvfCentres migration) gets them, without a rebuild.
    const centresDue = !vectorDue && s.ivfFocusedProbePercent > 0 && state.index?.method === 'ivfflat' && !state.index.centred;
    if (!vectorDue && !keywordDue && !centresDue) return 'up-to-date';

    const owner = await this.acquireOwner();
    try {
      if (!(await this.repo.tryLock(owner, tenantId))) return 'busy';
      try {
        if (this.stopping) return 'busy';
        // A switch may have retired or cancelled the set since it was read, and then dropped its indexes already.
        if (!(await this.repo.isLive(owner, tenantId, set.id))) return 'gone';
        // Search without it is still right (the shared GIN): a failure here must not stop the vector index either.
        const keyword = keywordDue
          ? await this.buildKeywordIndex(owner, set).catch((e: Error) => {
              if (this.stopping) throw e; // cancelled by the shutdown: stop here, do not go on to the next build
              this.logger.warn(`keyword index of tenant ${tenantId}, set ${set.id}: ${e.message}`);
              return 'failed' as const;
            })
          : undefined;
        if (keyword === 'gone') return 'gone';
        if (centresDue) {
          const { indexName, watermark, method } = state.index!;
          const centres = await this.centres({ tenantId, setId: set.id, watermark, method }, set.dimensions);
          if (centres && (await this.repo.setCentres(owner, tenantId, set.id, indexName, centres)))
            this.logger.log(`vector index ${indexName}: ${centres.length} centres`);
        }
        if (!vectorDue) return 'up-to-date';
        if (this.stopping) return 'busy';
        const started = Date.now();
        const countUpTo = (upTo: number) => this.db.runFor(tenantId, (m) => this.repo.countUpTo(m, tenantId, set.id, upTo));
        // The method, the halves and the lists by the rows the index will hold (state.rows is only counted up to minRows).
        const toIndex = await countUpTo(state.maxSeq);
        const method = vectorIndexMethodFor(toIndex, s.ivfMaxRows);
        const parts = vectorIndexPartsFor(method, toIndex, s.ivfSplitRows);
        const how: VectorIndexBuild =
          method === 'ivfflat'
            ? { method, parts, lists: ivfListsFor(toIndex / parts, s.ivfListRows) }
            : { method, m: s.m, efConstruction: s.efConstruction };
        const watermark = await this.freeWatermark(owner, tenantId, state.maxSeq, method, parts);
        const count = () => countUpTo(watermark);
        // The centres before the build (its rows up to the watermark are known): after it, they would lengthen the moment in
        // which the new index is valid but not registered, and a shutdown meanwhile would throw the build away.
        const centres =
          how.method === 'ivfflat'
            ? await this.centres({ tenantId, setId: set.id, watermark, method: how.method }, set.dimensions)
            : undefined;
        if (this.stopping) return 'busy';
        // A split index's halves one after the other (concurrent builds on one table wait for each other anyway); the
        // registry names the first. A failed second half leaves the first unnamed, for dropUnregistered or the sweep.
        const build = (part?: 0 | 1) =>
          this.whileBuilding(owner, () => this.repo.build(owner, set, watermark, { ...how, memoryMb: s.buildMemoryMb }, part));
        const indexName = parts === 2 ? await build(0) : await build();
        if (parts === 2) {
          if (this.stopping) return 'busy';
          await build(1);
        }
        const indexedRows = await count(); // documents deleted during the build are not in it
        try {
          await this.repo.register(owner, tenantId, set.id, {
            indexName,
            watermark,
            indexedRows,
            buildMs: Date.now() - started,
            centres,
            ...how,
          });
        } catch (e) {
          for (const name of vectorIndexPartNames({ indexName, parts })) await this.repo.drop(owner, name); // the tenant was deleted during the build
          if ((e as { code?: string }).code === '23503') return 'gone';
          throw e;
        }
        // The replaced index, and any leftover of an interrupted build of this tenant; another set's index stays.
        await this.dropUnregistered(owner, tenantId, vectorIndexPartNames({ indexName, parts }));
        this.logger.log(
          `vector index ${indexName} (${how.method === 'ivfflat' ? `IVFFlat, ${parts === 2 ? `two halves of ${how.lists} lists` : `${how.lists} lists`}` : 'HNSW'}; set ${set.id}, ${set.dimensions} dimensions): ${indexedRows} rows in ${Date.now() - started} ms`,
        );
        return state.index ? 'rebuilt' : 'built';
      } finally {
        await this.repo.unlock(owner, tenantId);
      }
    } finally {
      owner.release();
    }
  }

  /**
   * The watermark of a new index: the set's last seq, or the first one after it whose name no valid index has. Names carry
   * the method and the watermark, not the set, and IF NOT EXISTS keeps a valid index of the name whatever it is: the one
   * a rebuild for the layout alone replaces (other lists, no row since), another set's whose last row came right after
   * this one's (a switch), or an interrupted build's, of other lists. Any watermark from the last seq on covers the same
   * rows; a row written later with a seq up to it is in the index and counted as indexed, as the registry then says.
   * An invalid index of the name is dropped and built again (createValid).
   */
  private async freeWatermark(
    owner: pg.ClientBase,
    tenantId: string,
    maxSeq: number,
    method: VectorIndexMethod,
    parts: number,
  ): Promise<number> {
    let watermark = maxSeq;
    const taken = async (w: number) => {
      for (const name of vectorIndexNames(tenantId, w, method, parts)) if (await this.repo.isValid(owner, name)) return true;
      return false;
    };
    while (await taken(watermark)) watermark++;
    return watermark;
  }

  /**
   * The set's centres for focused IVF probes (ivf-centres.ts), read through the runtime role in the tenant's transaction.
   * Undefined when they cannot be computed: search then reads the full share, and the sweep asks again.
   */
  private async centres(rows: IndexedRows, dimensions: number): Promise<string[] | undefined> {
    try {
      return await this.db.runFor(rows.tenantId, (m) => ivfCentres((sql, params) => m.query(sql, params), rows, dimensions, IVF_CENTRES));
    } catch (e) {
      if (this.stopping) throw e;
      this.logger.warn(`centres of tenant ${rows.tenantId}, set ${rows.setId}: ${(e as Error).message}`);
      return undefined;
    }
  }

  /**
   * The owner connection, once this process's other user of it is done. pg-pool's connectionTimeoutMillis
   * (DB_CONNECT_TIMEOUT_MS) also bounds the wait for its one pooled client, which a build holds for minutes: that
   * timeout (its own message; a connection that cannot be made fails otherwise) is a wait, not a failure, so the caller
   * (a switch's flip or drop, the sweep, the next check) waits on, unless the service is stopping.
   */
  private async acquireOwner(): Promise<pg.PoolClient> {
    for (;;) {
      try {
        return await this.owner.connect();
      } catch (e) {
        if ((e as Error).message !== POOL_WAIT_TIMEOUT || this.stopping) throw e;
      }
    }
  }

  /**
   * The set's own full-text index (the TenantKeywordIndex migration), built once the set is large: GIN on tsv, partial on
   * the set, which search_keyword() reads instead of the shared GIN once it is named in embedding_sets.keyword_index.
   * Built before the vector index: it takes seconds where an HNSW index takes a minute. The caller holds the tenant's lock.
   */
  private async buildKeywordIndex(owner: pg.PoolClient, set: EmbeddingSet): Promise<'built' | 'gone'> {
    const started = Date.now();
    const name = await this.whileBuilding(owner, () => this.repo.buildKeywordIndex(owner, set));
    if (!(await this.repo.registerKeywordIndex(owner, set.tenantId, set.id, name))) {
      await this.repo.drop(owner, name); // the set (or its tenant) was deleted during the build
      return 'gone';
    }
    this.logger.log(`keyword index ${name} (set ${set.id}) in ${Date.now() - started} ms`);
    return 'built';
  }

  /** Runs a build on `owner`, whose backend shutdown cancels while it runs (see onApplicationShutdown). */
  private async whileBuilding<T>(owner: pg.PoolClient, build: () => Promise<T>): Promise<T> {
    this.building = (owner as pg.PoolClient & { processID?: number }).processID;
    try {
      return await build();
    } finally {
      this.building = undefined;
    }
  }

  /**
   * Search stops using the set's indexes and they are dropped (a set replaced or cancelled by a
   * switch). Waits for a build of the tenant that is running, which may be this set's.
   */
  async dropSetIndex(tenantId: string, setId: number): Promise<void> {
    const owner = await this.acquireOwner();
    try {
      while (!(await this.repo.tryLock(owner, tenantId))) await new Promise((r) => setTimeout(r, 1_000));
      try {
        for (const name of await this.repo.unregister(owner, tenantId, setId)) await this.repo.drop(owner, name);
        // The set's full-text index is unnamed (if its row is still there), then dropped with whatever else nothing names.
        await this.repo.registerKeywordIndex(owner, tenantId, setId, null);
        await this.dropUnregistered(owner, tenantId);
      } finally {
        await this.repo.unlock(owner, tenantId);
      }
    } finally {
      owner.release();
    }
  }

  /** Drops the tenant's indexes no registry row names (but `keep`); the caller holds the tenant's build lock. */
  private async dropUnregistered(owner: pg.PoolClient, tenantId: string, keep: readonly string[] = []): Promise<void> {
    const hex = tenantId.replace(/-/g, '');
    const { indexNames } = await this.repo.registered(owner, tenantId);
    for (const old of await this.repo.listIndexes(owner)) {
      if (old.tenantHex === hex && !keep.includes(old.indexName) && !indexNames.includes(old.indexName))
        await this.repo.drop(owner, old.indexName);
    }
  }

  /**
   * Asks for a check of every tenant that may need one (the ingestion also asks
   * after each document, this catches what was lost), and drops indexes that no
   * registry row names: a deleted tenant's, or an interrupted build's.
   */
  async sweep(): Promise<void> {
    const due: { tenant_id: string }[] = await this.db.dataSource.transaction((m) =>
      m.query(`SELECT tenant_id FROM vector_index_candidates($1, $2, $3)`, [
        this.config.vectorIndex.minRows,
        this.config.vectorIndex.rebuildRows,
        this.config.vectorIndex.rebuildPercent,
      ]),
    );
    for (const { tenant_id } of due) await this.queue.request(tenant_id);

    const owner = await this.acquireOwner();
    try {
      const indexes = await this.repo.listIndexes(owner);
      const existing = new Set(indexes.map((i) => i.indexName));
      for (const idx of indexes) {
        const tenantId = hexToUuid(idx.tenantHex);
        if (!(await this.repo.tryLock(owner, tenantId))) continue; // being built right now
        try {
          const reg = await this.repo.registered(owner, tenantId);
          if (!reg.indexNames.includes(idx.indexName)) {
            await this.repo.drop(owner, idx.indexName);
            this.logger.log(`dropped ${idx.indexName} (${reg.exists ? 'replaced or unfinished' : 'tenant deleted'})`);
          } else if (!idx.valid || reg.indexNames.some((name) => !existing.has(name))) {
            // Named but not valid (its build was interrupted on the server), or the other half of a split index is gone
            // (dropped by hand, lost in a restore): search cannot use it, the check builds it again.
            await this.queue.request(tenantId);
          } else if (
            reg.vectorIndexes.some(
              (v) =>
                vectorIndexLayoutStale(v, this.config.vectorIndex) ||
                (v.method === 'ivfflat' && !v.centred && this.config.vectorIndex.ivfFocusedProbePercent > 0),
            )
          ) {
            // Built by another method or with other lists than its size now calls for (an index built before the
            // IvfVectorIndex migration or before the lists became finer, or VECTOR_IVF_MAX_ROWS or VECTOR_IVF_LIST_ROWS
            // changed): the check rebuilds it, and search uses the old one until then. An IVF index
            // without centres (built before the IvfCentres migration, or their computation failed): the check adds them.
            await this.queue.request(tenantId);
          }
        } finally {
          await this.repo.unlock(owner, tenantId);
        }
      }
    } finally {
      owner.release();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    if (this.building) {
      const c = new pg.Client({ connectionString: this.config.database.migrationUrl });
      await c
        .connect()
        .then(() => c.query('SELECT pg_cancel_backend($1)', [this.building]))
        .catch(() => undefined)
        .finally(() => c.end());
    }
    await this.sweeping;
    await this.owner.end();
  }
}
