import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { runInTenant } from '#libs/tenancy/tenant-context.js';
import { PlatformAdmin, Roles, TenantAuth } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { UuidParam } from '../common/uuid.pipe.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { ApiKeyListDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-keys.dto.js';
import { ApiKeysService } from './api-keys.service.js';

@ApiTags('api-keys')
@TenantAuth()
@Roles('admin')
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an API key',
    description: 'Tenant admin only. The key acts as `userId` (default: yourself) and is shown once: only its hash is stored.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto, description: 'The key is shown once' })
  @ApiErrors(400, 401, 403, 404)
  create(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.keys.create(dto);
  }

  @Get()
  @ApiOperation({
    summary: "List the tenant's API keys",
    description: 'Tenant admin only. Names, prefixes and dates; never the keys themselves.',
  })
  @ApiOkResponse({ type: ApiKeyListDto })
  @ApiErrors(401, 403)
  list(): Promise<ApiKeyListDto> {
    return this.keys.list();
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key', description: 'Tenant admin only. The key stops working at once.' })
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrors(400, 401, 403, 404)
  async revoke(@Param('id', UuidParam()) id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}

@ApiTags('admin')
@PlatformAdmin()
@Controller('api/v1/admin/tenants/:tenantId/api-keys')
export class AdminApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly tenants: TenantsService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Create an API key in a tenant',
    description: 'Platform admin. `userId` is required and must be a user of that tenant (404 otherwise). The key is shown once.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto, description: 'The key is shown once' })
  @ApiErrors(400, 401, 403, 404)
  async create(@Param('tenantId', UuidParam('tenantId')) tenantId: string, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    if (!dto.userId) throw new BadRequestException('userId is required');
    await this.tenants.assertExists(tenantId);
    return runInTenant(tenantId, () => this.keys.create(dto));
  }
}
