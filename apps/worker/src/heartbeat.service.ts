import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { writeFile } from 'node:fs/promises';

/**
 * Touches a file every 15 s while the worker is healthy; the container health
 * check (docker/compose.yml) reads its age, since the worker has no HTTP port.
 */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Heartbeat');
  private readonly path = process.env.WORKER_HEARTBEAT_FILE || '/tmp/worker-heartbeat';
  private timer?: NodeJS.Timeout;

  onApplicationBootstrap(): void {
    const beat = () =>
      void writeFile(this.path, String(Date.now())).catch((e: Error) => this.logger.warn(`cannot write ${this.path}: ${e.message}`));
    beat();
    this.timer = setInterval(beat, 15_000).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
