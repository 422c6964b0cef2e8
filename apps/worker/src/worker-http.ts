import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { readinessChecks } from '#libs/health/readiness.js';
import { register } from '#libs/metrics/metrics.js';
import { REDIS_CONNECTION } from '#libs/queue/queue.module.js';
import { HeartbeatService } from './heartbeat.service.js';

/**
 * The worker's own small HTTP server on WORKER_METRICS_PORT (none when unset): GET /metrics
 * (Prometheus), /health/live (the heartbeat's check) and /health/ready (database, migrations,
 * Redis). No credentials: it is for the scraper and the orchestrator on the private network,
 * so do not publish the port.
 */
@Injectable()
export class WorkerHttpServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WorkerHttp');
  private server?: Server;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS_CONNECTION) private readonly redis: Redis,
    private readonly ds: DataSource,
    private readonly heartbeat: HeartbeatService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.worker.metricsPort;
    if (port === undefined) return;
    this.server = createServer((req, res) => void this.handle(req, res).catch(() => send(res, 500, 'text/plain', 'internal error')));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, resolve);
    });
    this.logger.log(`worker metrics and health on port ${(this.server.address() as AddressInfo).port}`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.server) await new Promise((r) => this.server!.close(r));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'method not allowed');
    switch (path) {
      case '/metrics':
        return send(res, 200, register.contentType, await register.metrics());
      case '/health/live': {
        const { live, problems } = await this.heartbeat.liveness();
        return send(res, live ? 200 : 503, 'application/json', JSON.stringify({ status: live ? 'ok' : 'down', problems }));
      }
      case '/health/ready': {
        const { ok, checks } = await readinessChecks(this.ds, this.redis);
        return send(res, ok ? 200 : 503, 'application/json', JSON.stringify({ status: ok ? 'ok' : 'down', checks }));
      }
      default:
        return send(res, 404, 'text/plain', 'not found');
    }
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}
