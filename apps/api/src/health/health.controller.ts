import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { readinessChecks } from '#libs/health/readiness.js';
import { REDIS_CONNECTION } from '#libs/queue/queue.module.js';
import { Public } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { LiveDto, ReadyDto } from './health.dto.js';

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
    @Inject(REDIS_CONNECTION) private readonly redis: Redis,
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
    // The API's Redis connection fails fast (no offline queue), so this reports what uploads will meet.
    const { ok, checks } = await readinessChecks(this.ds, this.redis);
    if (!ok) throw new ServiceUnavailableException(`Not ready: ${JSON.stringify(checks)}`);
    res.status(200);
    return { status: 'ok', checks };
  }
}
