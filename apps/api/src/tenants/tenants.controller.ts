import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PlatformAdmin } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { CreateTenantDto, TenantDto, TenantListDto } from './tenants.dto.js';
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
}
