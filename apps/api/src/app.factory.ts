import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { type AppConfig } from '#libs/config/config.js';
import { bootLogger, loggerParams } from '#libs/logging/app-logger.js';
import { ApiModule } from './api.module.js';
import { accessLogOptions } from './common/access-log.js';
import { HttpExceptionFilter } from './common/http-exception.filter.js';
import { jsonDepthGuard, rejectNulStrings } from './common/json-guard.js';
import { requestIdMiddleware } from './common/request-id.middleware.js';
import { adminOnlyPages } from './auth/admin-pages.js';
import { setupSwagger } from './docs/docs.js';
import { setupQueueDashboard } from './docs/queue-dashboard.js';
import { httpMetricsMiddleware } from './metrics/http-metrics.middleware.js';
import { METRICS_PATH } from './metrics/metrics.controller.js';
import { uploadLimitMiddleware } from './documents/upload-limit.middleware.js';
import { serveWebConsole } from './web-console/web-console.js';

/** Builds the API app (used by main.ts and by the end-to-end tests). */
export async function createApiApp(config: AppConfig): Promise<NestExpressApplication> {
  const logging = loggerParams(config, 'api', accessLogOptions());
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot(config, logging), {
    bodyParser: false,
    logger: bootLogger(logging),
  });
  if (config.trustProxy) app.set('trust proxy', true);
  app.use(requestIdMiddleware);
  app.use(httpMetricsMiddleware);
  // Helmet's default Content-Security-Policy (default-src 'self', script-src 'self', no inline
  // script) suits the web console as built: one module script and one stylesheet from /assets.
  app.use(helmet());
  serveWebConsole(app);
  app.use('/api/v1/documents', uploadLimitMiddleware(config.limits.uploadMaxBytes));
  // JSON bodies are small by design; uploads go through multipart with their own limit.
  // No request of the API nests deeper than a few levels: 32 leaves room and keeps validation's recursion shallow.
  // (Nest's option type leaves out `verify` because it uses it for rawBody, which this app does not enable;
  // with rawBody off the options reach express.json() unchanged.)
  app.useBodyParser('json', { limit: config.limits.jsonBodyMaxBytes, verify: jsonDepthGuard(32) } as { limit: number });
  app.use(rejectNulStrings);
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
      validationError: { target: false, value: false },
    }),
  );
  app.use(METRICS_PATH, adminOnlyPages(config.auth.adminApiKey));
  setupSwagger(app, config.auth.adminApiKey);
  setupQueueDashboard(app, config.auth.adminApiKey);
  app.enableShutdownHooks();
  return app;
}
