import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { QueueName } from '../queue/queue.constants.js';
import { scraped } from './metrics.js';

/** Registers the app's runtime pool and its queues with the gauges read at scrape time (both apps). */
@Injectable()
export class ScrapeSources implements OnModuleInit, OnModuleDestroy {
  private readonly pool: Pool | undefined;
  private readonly queues: Queue[];

  constructor(
    ds: DataSource,
    @Inject(getQueueToken(QueueName.Ingestion)) ingestion: Queue,
    @Inject(getQueueToken(QueueName.VectorIndex)) vectorIndex: Queue,
    @Inject(getQueueToken(QueueName.EmbeddingSwitch)) embeddingSwitch: Queue,
  ) {
    // TypeORM's postgres driver keeps its pg Pool as `master`.
    this.pool = (ds.driver as unknown as { master?: Pool }).master;
    this.queues = [ingestion, vectorIndex, embeddingSwitch];
  }

  onModuleInit(): void {
    if (this.pool) scraped.pools.add(this.pool);
    for (const q of this.queues) scraped.queues.add(q);
  }

  onModuleDestroy(): void {
    if (this.pool) scraped.pools.delete(this.pool);
    for (const q of this.queues) scraped.queues.delete(q);
  }
}
