import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { runInTenant } from '#libs/tenancy/tenant-context.js';
import { PlatformAdmin, Roles, TenantAuth } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { UuidParam } from '../common/uuid.pipe.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { CreateUserDto, UpdateUserDto, UserDto, UserListDto } from './users.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@TenantAuth()
@Roles('admin')
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a user',
    description: 'Tenant admin only. Without a password the user can only use API keys. 409 when the e-mail is taken in the tenant.',
  })
  @ApiCreatedResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 409)
  create(@Body() dto: CreateUserDto): Promise<UserDto> {
    return this.users.create(dto);
  }

  @Get()
  @ApiOperation({ summary: "List the tenant's users", description: 'Tenant admin only. Never a password or its hash.' })
  @ApiOkResponse({ type: UserListDto })
  @ApiErrors(401, 403)
  list(): Promise<UserListDto> {
    return this.users.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a user', description: 'Tenant admin only.' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 404)
  get(@Param('id', UuidParam()) id: string): Promise<UserDto> {
    return this.users.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: "Change a user's role or password",
    description: "Tenant admin only. A role change applies to the user's tokens at once.",
  })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 404)
  update(@Param('id', UuidParam()) id: string, @Body() dto: UpdateUserDto): Promise<UserDto> {
    return this.users.update(id, dto);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a user', description: 'Tenant admin only; not yourself. Their API keys go with them.' })
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors(400, 401, 403, 404)
  async delete(@Param('id', UuidParam()) id: string): Promise<void> {
    await this.users.delete(id);
  }
}

@ApiTags('admin')
@PlatformAdmin()
@Controller('api/v1/admin/tenants/:tenantId/users')
export class AdminUsersController {
  constructor(
    private readonly users: UsersService,
    private readonly tenants: TenantsService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Create a user in a tenant',
    description: 'Platform admin: the first admin of a new tenant, for example. 404 for an unknown tenant, 409 when the e-mail is taken.',
  })
  @ApiCreatedResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 404, 409)
  async create(@Param('tenantId', UuidParam('tenantId')) tenantId: string, @Body() dto: CreateUserDto): Promise<UserDto> {
    await this.tenants.assertExists(tenantId);
    return runInTenant(tenantId, () => this.users.create(dto));
  }
}
