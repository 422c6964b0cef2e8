import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueName } from '#libs/queue/queue.constants.js';
import { adminOnlyPages } from '../auth/admin-pages.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** The BullMQ dashboard (bull-board) for platform admins: waiting, active, failed jobs, retries. */
export function setupQueueDashboard(app: INestApplication, adminKey: string): void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: Object.values(QueueName).map((name) => new BullMQAdapter(app.get<Queue>(getQueueToken(name)))),
    serverAdapter,
  });
  app.use(QUEUE_DASHBOARD_PATH, adminOnlyPages(adminKey), serverAdapter.getRouter());
}
