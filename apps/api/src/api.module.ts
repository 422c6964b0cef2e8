import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { LoggerModule, type Params as LoggerParams } from 'nestjs-pino';
import { MulterModule } from '@nestjs/platform-express';
import { QueueModule } from '#libs/queue/queue.module.js';
import { searchRepositoryProvider, SearchService } from '#libs/retrieval/search.service.js';
import { SearchController } from './search/search.controller.js';
import { CHAT_PROVIDER, createChatProvider } from '#libs/ai/chat/chat.factory.js';
import { ChatController } from './chat/chat.controller.js';
import { OpenAICompatController } from './openai-compat/openai-compat.controller.js';
import { ChatService } from './chat/chat.service.js';
import { ConversationChatService } from './chat/conversation-chat.service.js';
import { UsageController } from './usage/usage.controller.js';
import { UsageService } from './usage/usage.service.js';
import { DocumentsController } from './documents/documents.controller.js';
import { DocumentsRepository } from './documents/documents.repository.js';
import { DocumentsService } from './documents/documents.service.js';
import { UploadStorageLifecycle, UPLOAD_STORAGE } from './documents/upload-storage.lifecycle.js';
import { PrivateUploadStorage } from './documents/upload-storage.js';
import { ConfigModule } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { DatabaseModule } from '#libs/database/database.module.js';
import { AdminApiKeysController, ApiKeysController } from './api-keys/api-keys.controller.js';
import { ApiKeyUsageService } from './api-keys/api-key-usage.service.js';
import { ApiKeysRepository } from './api-keys/api-keys.repository.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';
import { AuthController } from './auth/auth.controller.js';
import { AuthGuard } from './auth/auth.guard.js';
import { AuthRepository } from './auth/auth.repository.js';
import { AuthService } from './auth/auth.service.js';
import { TenantInterceptor } from './auth/tenant.interceptor.js';
import { PasswordHasher } from './auth/password-hasher.js';
import { AdmissionGuard } from './admission/admission.guard.js';
import { LoginThrottleService } from './admission/login-throttle.service.js';
import { RateLimiterService } from './admission/rate-limiter.service.js';
import { TenantLimitsService } from './admission/tenant-limits.service.js';
import { HealthController } from './health/health.controller.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { PlatformDb } from './tenants/platform-db.js';
import { TenantsController } from './tenants/tenants.controller.js';
import { TenantsRepository } from './tenants/tenants.repository.js';
import { TenantsService } from './tenants/tenants.service.js';
import { AdminUsersController, UsersController } from './users/users.controller.js';
import { UsersRepository } from './users/users.repository.js';
import { UsersService } from './users/users.service.js';
import { FoldersController } from './folders/folders.controller.js';
import { FoldersRepository } from './folders/folders.repository.js';
import { FoldersService } from './folders/folders.service.js';
import { ConversationsController } from './conversations/conversations.controller.js';
import { ConversationsRepository } from './conversations/conversations.repository.js';
import { ConversationsService } from './conversations/conversations.service.js';
import { ActiveSets } from '#libs/embedding-sets/active-sets.js';
import { EmbeddingModels } from '#libs/embedding-sets/embedding-models.js';
import { embeddingLimiterProvider } from '#libs/embedding-sets/embedding-limiter.js';
import { ScrapeSources } from '#libs/metrics/scrape-sources.js';
import { EmbeddingSetsRepository } from '#libs/embedding-sets/embedding-sets.repository.js';
import { EmbeddingModelController } from './embedding-model/embedding-model.controller.js';
import { EmbeddingModelService } from './embedding-model/embedding-model.service.js';

@Module({})
export class ApiModule {
  /** `logging`: nestjs-pino's parameters (libs/logging/app-logger.ts), the same the app was created with. */
  static forRoot(config: AppConfig, logging: LoggerParams): DynamicModule {
    const uploadStorage = PrivateUploadStorage.create(config.uploads.tmpDir);
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(logging),
        DatabaseModule,
        JwtModule.register({ secret: config.auth.jwtSecret, signOptions: { algorithm: 'HS256' } }),
        QueueModule.forRoot(config, 'producer'),
        // Uploads stream to a private temporary file up to UPLOAD_MAX_BYTES (multer stops reading
        // past it: 413), hashed on the way, then streamed into Postgres with the document row.
        MulterModule.register({
          storage: uploadStorage,
          // Header parameters without a charset (a plain filename="…") are read as UTF-8, which is
          // what browsers, curl and fetch send; busboy's default, Latin-1, turned "Résumé.md" into
          // "RÃ©sumÃ©.md". The RFC 5987 form (filename*=UTF-8''…) names its charset itself.
          defParamCharset: 'utf8',
          limits: { fileSize: config.limits.uploadMaxBytes, files: 1, fields: 10, fieldSize: 4096, parts: 12 },
        }),
      ],
      controllers: [
        FoldersController,
        ConversationsController,
        AuthController,
        TenantsController,
        UsersController,
        AdminUsersController,
        SearchController,
        ChatController,
        OpenAICompatController,
        ApiKeysController,
        AdminApiKeysController,
        HealthController,
        MetricsController,
        DocumentsController,
        EmbeddingModelController,
        UsageController,
      ],
      providers: [
        FoldersRepository,
        FoldersService,
        ConversationsRepository,
        ConversationsService,
        AuthRepository,
        AuthService,
        PlatformDb,
        TenantsRepository,
        TenantsService,
        UsersRepository,
        UsersService,
        ChatService,
        ConversationChatService,
        UsageService,
        { provide: CHAT_PROVIDER, useFactory: () => createChatProvider(config.ai) },
        SearchService,
        searchRepositoryProvider,
        EmbeddingModels,
        embeddingLimiterProvider,
        ScrapeSources,
        EmbeddingSetsRepository,
        ActiveSets,
        EmbeddingModelService,
        ApiKeysRepository,
        ApiKeysService,
        ApiKeyUsageService,
        DocumentsRepository,
        DocumentsService,
        PasswordHasher,
        RateLimiterService,
        TenantLimitsService,
        LoginThrottleService,
        { provide: UPLOAD_STORAGE, useValue: uploadStorage },
        UploadStorageLifecycle,
        // Guards run in this order: who is it, then may it (its tenant's budget); then the
        // interceptor enters that principal's tenant context.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: AdmissionGuard },
        { provide: APP_INTERCEPTOR, useClass: TenantInterceptor },
      ],
    };
  }
}
