import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { LiveDto, ReadyDto } from './health.dto.js';
import { RedisHealth } from './redis-health.js';

/**
 * Liveness and readiness are public (orchestrators call them without
 * credentials) and reveal nothing but up/down per dependency.
 */
@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly ds: DataSource,
    private readonly redis: RedisHealth,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness', description: 'The process is up and answering (no dependency is checked).' })
  @ApiOkResponse({ type: LiveDto })
  live(): LiveDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness',
    description: 'PostgreSQL answers, every migration is applied and Redis answers; 503 names what is not ready.',
  })
  @ApiOkResponse({ type: ReadyDto })
  @ApiErrors(503)
  async ready(@Res({ passthrough: true }) res: Response): Promise<ReadyDto> {
    const [database, migrations, redis] = await Promise.all([
      this.ds.query('SELECT 1').then(
        () => 'ok',
        () => 'down',
      ),
      this.pendingMigrations().then(
        (n) => (n === 0 ? 'ok' : `${n} pending`),
        () => 'unknown',
      ),
      this.redis.ping().then((ok) => (ok ? 'ok' : 'down')),
    ]);
    const checks = { database, migrations, redis };
    const ok = Object.values(checks).every((v) => v === 'ok');
    if (!ok) throw new ServiceUnavailableException(`Not ready: ${JSON.stringify(checks)}`);
    res.status(200);
    return { status: 'ok', checks };
  }

  private async pendingMigrations(): Promise<number> {
    const rows: { name: string }[] = await this.ds.query('SELECT name FROM migrations');
    const applied = new Set(rows.map((r) => r.name));
    return this.ds.migrations.filter((m) => !applied.has(m.name!)).length;
  }
}
