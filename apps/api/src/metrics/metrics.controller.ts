import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { collectDefaultMetrics, register } from 'prom-client';
import { PlatformAdmin } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.decorator.js';

collectDefaultMetrics();

@ApiTags('operations')
@PlatformAdmin()
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  @ApiOperation({
    summary: 'Prometheus metrics',
    description: "The process's metrics in the Prometheus text exposition format, for a scraper.",
  })
  @ApiOkResponse({
    description: 'Prometheus text format (version 0.0.4)',
    content: {
      'text/plain': {
        schema: { type: 'string' },
        example:
          '# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.27\n',
      },
    },
  })
  @ApiErrors(401, 403)
  metrics(): Promise<string> {
    return register.metrics();
  }
}
