import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { register } from '#libs/metrics/metrics.js';
import { AdminPage } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.decorator.js';

/** The path adminOnlyPages guards (app.factory.ts). */
export const METRICS_PATH = '/metrics';

@ApiTags('operations')
@AdminPage()
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      "The API process's metrics in the Prometheus text exposition format (the worker serves its own on WORKER_METRICS_PORT). " +
      'The admin key as a bearer token, or HTTP Basic with user `admin` and the key as password.',
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
  @ApiErrors(401)
  metrics(): Promise<string> {
    return register.metrics();
  }
}
