import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import { recordAudit } from '#libs/database/audit/audit.repository.js';
import type { UserEntity } from '#libs/database/entities/index.js';
import { TenantDb } from '#libs/database/tenant-db.js';
import { currentContext, currentTenantId } from '#libs/tenancy/tenant-context.js';
import { PasswordHasher } from '../auth/password-hasher.js';
import type { CreateUserDto, UpdateUserDto, UserDto } from './users.dto.js';
import { UsersRepository } from './users.repository.js';

const toDto = (u: UserEntity): UserDto => ({ id: u.id, tenantId: u.tenantId, email: u.email, role: u.role, createdAt: u.createdAt });
const isUniqueViolation = (e: unknown) => e instanceof QueryFailedError && (e as { code?: string }).code === '23505';

/** Users of the current tenant (the caller's, or the one a platform admin named). */
@Injectable()
export class UsersService {
  constructor(
    private readonly db: TenantDb,
    private readonly repo: UsersRepository,
    private readonly passwords: PasswordHasher,
  ) {}

  async create(dto: CreateUserDto): Promise<UserDto> {
    // Hash before the transaction: 30-50 ms of KDF must not hold a connection.
    const passwordHash = dto.password ? await this.passwords.hash(dto.password) : null;
    try {
      const user = await this.db.run(async (m) => {
        const u = await this.repo.insert(m, {
          tenantId: currentTenantId(),
          id: randomUUID(),
          email: dto.email.toLowerCase(),
          role: dto.role,
          passwordHash,
        });
        await recordAudit(m, 'user.created', { type: 'user', id: u.id }, { role: u.role });
        return u;
      });
      return toDto(user);
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictException('A user with this email already exists in this tenant');
      throw e;
    }
  }

  async list(): Promise<{ items: UserDto[] }> {
    return { items: (await this.db.run((m) => this.repo.list(m))).map(toDto) };
  }

  async get(id: string): Promise<UserDto> {
    const u = await this.db.run((m) => this.repo.findById(m, id));
    if (!u) throw new NotFoundException('User not found');
    return toDto(u);
  }

  async update(id: string, dto: UpdateUserDto): Promise<UserDto> {
    if (dto.role === undefined && dto.password === undefined) throw new BadRequestException('Nothing to update: give role and/or password');
    const passwordHash = dto.password ? await this.passwords.hash(dto.password) : undefined;
    return this.db.run(async (m) => {
      const patch = { ...(dto.role ? { role: dto.role } : {}), ...(passwordHash ? { passwordHash } : {}) };
      if (!(await this.repo.update(m, id, patch))) throw new NotFoundException('User not found');
      await recordAudit(m, 'user.updated', { type: 'user', id }, { role: dto.role, passwordChanged: !!passwordHash });
      return toDto((await this.repo.findById(m, id))!);
    });
  }

  async delete(id: string): Promise<void> {
    if (id === currentContext().userId) throw new BadRequestException('You cannot delete yourself');
    await this.db.run(async (m) => {
      if (!(await this.repo.delete(m, id))) throw new NotFoundException('User not found');
      await recordAudit(m, 'user.deleted', { type: 'user', id });
    });
  }
}
