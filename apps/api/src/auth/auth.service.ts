import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { ApiKeyUsageService } from '../api-keys/api-key-usage.service.js';
import { API_KEY_PREFIX, hashApiKey, safeEqual } from './api-key.js';
import { AuthRepository } from './auth.repository.js';
import { LoginThrottleService } from '../admission/login-throttle.service.js';
import { PasswordHasher } from './password-hasher.js';
import type { Principal } from './principal.js';

interface AccessTokenClaims {
  sub: string;
  tid: string;
  role: Principal['role'];
  email: string;
}

@Injectable()
export class AuthService {
  constructor(
    private readonly repo: AuthRepository,
    private readonly jwt: JwtService,
    private readonly passwords: PasswordHasher,
    private readonly throttle: LoginThrottleService,
    private readonly keyUsage: ApiKeyUsageService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Resolves a bearer token (admin key, API key or JWT) to a principal, or undefined. */
  async resolveBearer(token: string): Promise<Principal | undefined> {
    if (safeEqual(token, this.config.auth.adminApiKey)) return { platformAdmin: true };
    if (token.startsWith(API_KEY_PREFIX)) {
      const owner = await this.repo.findApiKeyOwner(hashApiKey(token));
      if (owner) this.keyUsage.used(owner.tenantId, owner.keyId);
      return owner && { tenantId: owner.tenantId, userId: owner.userId, role: owner.role, email: owner.email, keyId: owner.keyId };
    }
    let claims: AccessTokenClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessTokenClaims>(token, { algorithms: ['HS256'] });
    } catch {
      return undefined;
    }
    const user = await this.repo.currentUser(claims.tid, claims.sub);
    return user && { tenantId: claims.tid, userId: claims.sub, role: user.role, email: user.email };
  }

  /**
   * Throttled by address and by account before any hashing (LoginThrottleService). The hash never
   * leaves the database: it gives the salt, we derive the key, it compares (auth_login_verify).
   */
  async login(slug: string, email: string, password: string, ip: string) {
    await this.throttle.admit(ip, slug, email);
    const user = await this.throttle.oneAtATime(ip, async () => {
      // A missing user burns the same scrypt and makes the same two queries: no user-existence oracle.
      const params = await this.repo.findLoginParams(slug, email);
      const candidate = await this.passwords.deriveLikeStored(password, params);
      const found = await this.repo.verifyLogin(slug, email, candidate ?? '');
      return candidate ? found : undefined;
    });
    if (!user) {
      await this.throttle.failed(slug, email);
      throw new UnauthorizedException('Invalid tenant, email or password');
    }
    await this.throttle.succeeded(slug, email);
    const claims: AccessTokenClaims = { sub: user.userId, tid: user.tenantId, role: user.role, email: user.email };
    const accessToken = await this.jwt.signAsync(claims, { algorithm: 'HS256', expiresIn: this.config.auth.jwtExpiresInSeconds });
    return { accessToken, tokenType: 'Bearer' as const, expiresIn: this.config.auth.jwtExpiresInSeconds };
  }
}
