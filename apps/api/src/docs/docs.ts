import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { adminOnlyPages } from '../auth/admin-pages.js';
import { SECURITY } from '../auth/auth.decorators.js';

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
