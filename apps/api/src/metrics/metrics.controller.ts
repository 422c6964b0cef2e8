import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { collectDefaultMetrics, register } from 'prom-client';
import { PlatformAdmin } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.decorator.js';

collectDefaultMetrics();

@ApiTags('operations')
@ApiBearerAuth()
@PlatformAdmin()
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  @ApiOkResponse({ description: 'Prometheus text format' })
  @ApiErrors(401, 403)
  metrics(): Promise<string> {
    return register.metrics();
  }
}
