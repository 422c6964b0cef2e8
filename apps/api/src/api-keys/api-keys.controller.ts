import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { runInTenant } from '#libs/tenancy/tenant-context.js';
import { PlatformAdmin, Roles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { UuidParam } from '../common/uuid.pipe.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { ApiKeyListDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-keys.dto.js';
import { ApiKeysService } from './api-keys.service.js';

@ApiTags('api-keys')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedApiKeyDto, description: 'The key is shown once' })
  @ApiErrors(400, 401, 403, 404)
  create(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.keys.create(dto);
  }

  @Get()
  @ApiOkResponse({ type: ApiKeyListDto })
  @ApiErrors(401, 403)
  list(): Promise<ApiKeyListDto> {
    return this.keys.list();
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrors(400, 401, 403, 404)
  async revoke(@Param('id', UuidParam()) id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@PlatformAdmin()
@Controller('api/v1/admin/tenants/:tenantId/api-keys')
export class AdminApiKeysController {
  constructor(private readonly keys: ApiKeysService, private readonly tenants: TenantsService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedApiKeyDto, description: 'The key is shown once' })
  @ApiErrors(400, 401, 403, 404)
  async create(@Param('tenantId', UuidParam('tenantId')) tenantId: string, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    if (!dto.userId) throw new BadRequestException('userId is required');
    await this.tenants.assertExists(tenantId);
    return runInTenant(tenantId, () => this.keys.create(dto));
  }
}
