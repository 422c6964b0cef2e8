import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Response } from 'express';
import { safeEqual } from '../auth/api-key.js';
import { SECURITY } from '../auth/auth.decorators.js';
import { basicCredentials, bearerToken } from '../auth/credentials.js';
import { sendError } from '../common/error-body.js';
import type { RequestWithId } from '../common/request-id.middleware.js';

/**
 * Admin-only pages (/docs): a bearer ADMIN_API_KEY, or HTTP Basic with user
 * `admin` and the key as password so that a browser prompts for it.
 */
export function adminOnlyPages(adminKey: string) {
  return (req: RequestWithId, res: Response, next: NextFunction) => {
    const bearer = bearerToken(req.headers.authorization);
    const basic = basicCredentials(req.headers.authorization);
    const ok = bearer !== undefined ? safeEqual(bearer, adminKey) : basic?.user === 'admin' && safeEqual(basic.password, adminKey);
    if (ok) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="ragdocs admin", charset="UTF-8"');
    sendError(res, 401, 'Platform admin credentials required', req.requestId);
  };
}

export function setupSwagger(app: INestApplication, adminKey: string): void {
  const config = new DocumentBuilder()
    .setTitle('ragdocs API')
    .setDescription(
      'Multi-tenant chat with your documents. Tenant routes take `Authorization: Bearer <API key or JWT>`; ' +
        'platform-admin routes take the ADMIN_API_KEY. Errors share one shape: `{statusCode, error, message, requestId}`. ' +
        "Another tenant's ids answer 404.",
    )
    .setVersion('1')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'rag_… API key or JWT',
        description: 'A tenant user: an API key (`rag_…`, from POST /api/v1/api-keys) or the `accessToken` of POST /api/v1/auth/login.',
      },
      SECURITY.tenant,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'ADMIN_API_KEY',
        description: "The platform administrator: the ADMIN_API_KEY. It acts on no tenant's data (403 on tenant routes).",
      },
      SECURITY.adminKey,
    )
    .addBasicAuth(
      {
        type: 'http',
        scheme: 'basic',
        description:
          'The platform administrator in a browser: user `admin`, password the ADMIN_API_KEY (this page, /docs-json, /admin/queues).',
      },
      SECURITY.adminBasic,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  app.use(['/docs', '/docs-json', '/docs-yaml'], adminOnlyPages(adminKey));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
