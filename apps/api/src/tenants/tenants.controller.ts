import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { PlatformAdmin } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { CreateTenantDto, TenantDto, TenantListDto } from './tenants.dto.js';
import { TenantsService } from './tenants.service.js';

@ApiTags('admin')
@ApiBearerAuth()
@PlatformAdmin()
@Controller('api/v1/admin/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @ApiCreatedResponse({ type: TenantDto })
  @ApiErrors(400, 401, 403, 409)
  create(@Body() dto: CreateTenantDto): Promise<TenantDto> {
    return this.tenants.create(dto);
  }

  @Get()
  @ApiOkResponse({ type: TenantListDto })
  @ApiErrors(401, 403)
  list(): Promise<TenantListDto> {
    return this.tenants.list();
  }
}
