import { BadGatewayException, BadRequestException, ConflictException, Inject, Injectable } from '@nestjs/common';
import { APIError } from 'openai';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { TenantDb } from '#libs/database/tenant-db.js';
import { describeModel, modelProblems, sameModel, type EmbeddingModelSpec } from '#libs/embedding-sets/embedding-model.js';
import { EmbeddingModels } from '#libs/embedding-sets/embedding-models.js';
import type { EmbeddingSet } from '#libs/embedding-sets/embedding-set.js';
import { EmbeddingSetsRepository } from '#libs/embedding-sets/embedding-sets.repository.js';
import { etaSeconds } from '#libs/embedding-sets/switch-progress.js';
import { EmbeddingSwitchQueue } from '#libs/queue/embedding-switch.queue.js';
import { TenantsService } from '../tenants/tenants.service.js';
import type { EmbeddingModelStatusDto, EmbeddingSetDto, SwitchEmbeddingModelDto, SwitchStatus } from './embedding-model.dto.js';

/** What a probe embeds: one short text, to learn before answering that the model exists and has the dimensions asked for. */
const PROBE_TEXT = 'embedding model check';

/**
 * The platform admin's view of a tenant's embedding model: start a switch (the worker does
 * it, EmbeddingSwitchService), watch it, cancel it. Acts inside the named tenant (RLS).
 */
@Injectable()
export class EmbeddingModelService {
  constructor(
    private readonly db: TenantDb,
    private readonly sets: EmbeddingSetsRepository,
    private readonly models: EmbeddingModels,
    private readonly queue: EmbeddingSwitchQueue,
    private readonly tenants: TenantsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Starts a switch to `spec` (202): 409 when the tenant already uses it or another switch is
   * under way; the same model again resumes a failed switch. The model is tried once first,
   * so that a wrong name or dimension is a 400 now rather than a failed job later.
   */
  async switchTo(tenantId: string, dto: SwitchEmbeddingModelDto): Promise<EmbeddingModelStatusDto> {
    const spec: EmbeddingModelSpec = { provider: dto.provider, model: dto.model, dimensions: dto.dimensions };
    const problems = modelProblems(spec, this.config.ai);
    if (problems.length) throw new BadRequestException(problems.join('; '));
    await this.tenants.assertExists(tenantId);
    await this.probe(spec);
    const set = await this.db
      .runFor(tenantId, async (m) => {
        const active = await this.sets.ensureActive(m, tenantId, this.models.platformDefault);
        const building = (await this.sets.list(m, tenantId)).find((s) => s.state === 'building');
        if (building && !sameModel(building, spec)) {
          throw new ConflictException(`a switch to ${describeModel(building)} is under way: cancel it first (DELETE this path)`);
        }
        if (building) {
          await this.sets.resume(m, tenantId, building.id);
          return building;
        }
        if (sameModel(active, spec)) throw new ConflictException(`the tenant already uses ${describeModel(active)}`);
        return this.sets.createBuilding(m, tenantId, spec);
      })
      .catch((e: unknown) => {
        // Two switches started at once: the second meets the first's set (one building set per tenant).
        if ((e as { code?: string }).code === '23505') throw new ConflictException('another switch of this tenant has just started');
        throw e;
      });
    await this.queue.request(tenantId, set.id, { again: true }); // lost with Redis: the worker's sweep asks again
    return this.status(tenantId);
  }

  /** Gives the switch up (202); its set's vectors are dropped by the worker. 409 when none is under way. */
  async cancel(tenantId: string): Promise<EmbeddingModelStatusDto> {
    await this.tenants.assertExists(tenantId);
    const set = await this.db.runFor(tenantId, (m) => this.sets.cancelBuilding(m, tenantId));
    if (!set) throw new ConflictException('no embedding-model switch is under way');
    await this.queue.request(tenantId, set.id, { again: true });
    return this.status(tenantId);
  }

  async status(tenantId: string): Promise<EmbeddingModelStatusDto> {
    await this.tenants.assertExists(tenantId);
    return this.db.runFor(tenantId, async (m) => {
      const active = await this.sets.ensureActive(m, tenantId, this.models.platformDefault);
      const all = await this.sets.list(m, tenantId);
      const target = all.find((s) => s.state === 'building');
      const previous = all.find((s) => s.state === 'retired' || s.state === 'cancelled');
      const counts = await this.sets.rowCounts(m, tenantId, [active.id, ...(target ? [target.id] : [])]);
      const total = counts.get(active.id) ?? 0;
      const done = target ? (counts.get(target.id) ?? 0) : total;
      // The switch under way, or else the last one: the active set if a switch made it, the previous one if that was cancelled.
      const errorsOf = target ?? (previous && previous.id > active.id ? previous : active);
      return {
        active: setDto(active),
        target: target ? setDto(target) : null,
        status: statusOf(target, previous),
        progress: { done, total },
        eta: target?.phase === 're-embedding' && !target.failedAt ? eta(target, done, total) : null,
        errors: { count: errorsOf?.errorCount ?? 0, last: errorsOf?.lastError ?? null, lastAt: errorsOf?.lastErrorAt ?? null },
        previous: previous
          ? { ...setDto(previous), state: previous.state as 'retired' | 'cancelled', droppedAt: previous.droppedAt }
          : null,
        platformDefault: this.models.platformDefault,
      };
    });
  }

  /** One embedding with the model: 400 when the provider refuses it (unknown model, wrong dimensions), 502 when it cannot be reached. */
  private async probe(spec: EmbeddingModelSpec): Promise<void> {
    try {
      const [vector] = await this.models.get(spec).embed([PROBE_TEXT]);
      if (vector?.length !== spec.dimensions)
        throw new BadRequestException(`${describeModel(spec)} answered ${vector?.length ?? 0} dimensions`);
    } catch (e) {
      if (e instanceof BadRequestException) throw e;
      if (e instanceof APIError && typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.status !== 429) {
        throw new BadRequestException(`${describeModel(spec)} cannot be used: ${e.message}`);
      }
      if (e instanceof APIError)
        throw new BadGatewayException(`the embedding provider could not be reached to try ${describeModel(spec)}: ${(e as Error).message}`);
      throw new BadRequestException(`${describeModel(spec)} cannot be used: ${(e as Error).message}`);
    }
  }
}

const setDto = (s: EmbeddingSet): EmbeddingSetDto => ({
  setId: s.id,
  provider: s.provider,
  model: s.model,
  dimensions: s.dimensions,
  createdAt: s.createdAt,
  activatedAt: s.activatedAt,
});

function statusOf(target: EmbeddingSet | undefined, previous: EmbeddingSet | undefined): SwitchStatus {
  if (target) return target.failedAt ? 'failed' : (target.phase ?? 're-embedding');
  if (previous && !previous.droppedAt) return previous.state === 'cancelled' ? 'cancelling' : 'cleaning-up';
  return 'idle';
}

function eta(target: EmbeddingSet, done: number, total: number): { seconds: number; at: Date } | null {
  if (!target.runStartedAt || target.runStartedDone === null) return null;
  const seconds = etaSeconds({ done, total }, target.runStartedDone, Date.now() - target.runStartedAt.getTime());
  return seconds === null ? null : { seconds, at: new Date(Date.now() + seconds * 1000) };
}
