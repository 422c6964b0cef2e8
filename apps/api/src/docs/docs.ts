import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { safeEqual } from '../auth/api-key.js';

/**
 * Admin-only pages (/docs): a bearer ADMIN_API_KEY, or HTTP Basic with user
 * `admin` and the key as password so that a browser prompts for it.
 */
export function adminOnlyPages(adminKey: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const basic = /^Basic\s+(\S+)$/i.exec(header)?.[1];
    let ok = bearer !== undefined && safeEqual(bearer, adminKey);
    if (!ok && basic) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      ok = sep > 0 && decoded.slice(0, sep) === 'admin' && safeEqual(decoded.slice(sep + 1), adminKey);
    }
    if (ok) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="ragdocs admin", charset="UTF-8"');
    res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: 'Platform admin credentials required', requestId: (req as { requestId?: string }).requestId });
  };
}

export function setupSwagger(app: INestApplication, adminKey: string): void {
  const config = new DocumentBuilder()
    .setTitle('ragdocs API')
    .setDescription(
      'Multi-tenant chat with your documents. Tenant routes take `Authorization: Bearer <API key or JWT>`; ' +
        'platform-admin routes take the ADMIN_API_KEY. Errors share one shape: `{statusCode, error, message, requestId}`. ' +
        'Another tenant\'s ids answer 404.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config);
  app.use(['/docs', '/docs-json', '/docs-yaml'], adminOnlyPages(adminKey));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
