import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PlatformAdmin } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { UuidParam } from '../common/uuid.pipe.js';
import { CreateTenantDto, TenantDto, TenantListDto, UpdateTenantDto } from './tenants.dto.js';
import { TenantsService } from './tenants.service.js';

@ApiTags('admin')
@PlatformAdmin()
@Controller('api/v1/admin/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a tenant',
    description:
      'Platform admin. `slug` is what users log in with (409 when taken); `settings` holds the system prompt, search language, quota, queue caps and request budgets.',
  })
  @ApiCreatedResponse({ type: TenantDto })
  @ApiErrors(400, 401, 403, 409)
  create(@Body() dto: CreateTenantDto): Promise<TenantDto> {
    return this.tenants.create(dto);
  }

  @Get()
  @ApiOperation({ summary: 'List tenants', description: 'Platform admin. Every tenant with its settings.' })
  @ApiOkResponse({ type: TenantListDto })
  @ApiErrors(401, 403)
  list(): Promise<TenantListDto> {
    return this.tenants.list();
  }

  @Patch(':tenantId')
  @ApiOperation({
    summary: 'Rename a tenant or change its settings',
    description:
      'Platform admin. `settings` replaces the settings as a whole (send every setting to keep). The slug never changes. A new `searchLanguage` applies to documents ingested from then on (reprocess the others); new request budgets apply within 30 s.',
  })
  @ApiOkResponse({ type: TenantDto })
  @ApiErrors(400, 401, 403, 404)
  update(@Param('tenantId', UuidParam('tenantId')) tenantId: string, @Body() dto: UpdateTenantDto): Promise<TenantDto> {
    return this.tenants.update(tenantId, dto);
  }
}
