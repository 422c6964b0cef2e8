import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { runInTenant } from '#libs/tenancy/tenant-context.js';
import { PlatformAdmin, Roles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { UuidParam } from '../common/uuid.pipe.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { CreateUserDto, UpdateUserDto, UserDto, UserListDto } from './users.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiCreatedResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 409)
  create(@Body() dto: CreateUserDto): Promise<UserDto> {
    return this.users.create(dto);
  }

  @Get()
  @ApiOkResponse({ type: UserListDto })
  @ApiErrors(401, 403)
  list(): Promise<UserListDto> {
    return this.users.list();
  }

  @Get(':id')
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 404)
  get(@Param('id', UuidParam()) id: string): Promise<UserDto> {
    return this.users.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 404)
  update(@Param('id', UuidParam()) id: string, @Body() dto: UpdateUserDto): Promise<UserDto> {
    return this.users.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors(400, 401, 403, 404)
  async delete(@Param('id', UuidParam()) id: string): Promise<void> {
    await this.users.delete(id);
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@PlatformAdmin()
@Controller('api/v1/admin/tenants/:tenantId/users')
export class AdminUsersController {
  constructor(private readonly users: UsersService, private readonly tenants: TenantsService) {}

  @Post()
  @ApiCreatedResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 404, 409)
  async create(@Param('tenantId', UuidParam('tenantId')) tenantId: string, @Body() dto: CreateUserDto): Promise<UserDto> {
    await this.tenants.assertExists(tenantId);
    return runInTenant(tenantId, () => this.users.create(dto));
  }
}
