import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { writeFile } from 'node:fs/promises';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { redisAnswers } from '#libs/health/readiness.js';
import { REDIS_CONNECTION } from '#libs/queue/queue.module.js';
import { EmbeddingSwitchProcessor } from './embedding-switch/embedding-switch.processor.js';
import { IngestionProcessor } from './ingestion/ingestion.processor.js';

export interface Liveness {
  live: boolean;
  /** What is wrong, empty when live. */
  problems: string[];
}

/**
 * The worker's liveness, checked every WORKER_HEARTBEAT_INTERVAL_MS: Redis answers PING on the
 * connection BullMQ uses, and the ingestion and embedding-switch processors are running (not
 * paused, not closing). Only then is WORKER_HEARTBEAT_FILE touched; the container health check
 * (docker/compose.yml) reads its age, so a worker that lost Redis or whose processor stopped
 * goes unhealthy within a minute and is restarted. /health/live on WORKER_METRICS_PORT
 * answers the same check.
 */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Heartbeat');
  private timer?: NodeJS.Timeout;
  private last: Liveness = { live: true, problems: [] };
  /** A check waits up to 2 s for Redis: the next tick skips rather than piling checks up. */
  private checking = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS_CONNECTION) private readonly redis: Redis,
    private readonly ingestion: IngestionProcessor,
    private readonly embeddingSwitch: EmbeddingSwitchProcessor,
  ) {}

  onApplicationBootstrap(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.config.worker.heartbeatIntervalMs).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async liveness(): Promise<Liveness> {
    const problems: string[] = [];
    const processors: [string, Worker][] = [
      ['ingestion', this.ingestion.worker],
      ['embedding-switch', this.embeddingSwitch.worker],
    ];
    for (const [name, worker] of processors) {
      if (worker.closing) problems.push(`${name} processor closing`);
      else if (!worker.isRunning()) problems.push(`${name} processor not running`);
      else if (worker.isPaused()) problems.push(`${name} processor paused`);
    }
    if (!(await redisAnswers(this.redis))) problems.push('redis does not answer');
    return { live: problems.length === 0, problems };
  }

  private async beat(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await this.check();
    } finally {
      this.checking = false;
    }
  }

  private async check(): Promise<void> {
    const now = await this.liveness();
    if (now.live !== this.last.live) {
      if (now.live) this.logger.log('live again: heartbeat resumed');
      else this.logger.warn({ problems: now.problems, msg: `not live, heartbeat withheld: ${now.problems.join('; ')}` });
    }
    this.last = now;
    if (!now.live) return;
    const path = this.config.worker.heartbeatFile;
    await writeFile(path, String(Date.now())).catch((e: Error) => this.logger.warn(`cannot write ${path}: ${e.message}`));
  }
}
