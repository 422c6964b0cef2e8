import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { KeyedSemaphore } from '#libs/concurrency/semaphore.js';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { RateLimiterService } from './rate-limiter.service.js';
import { retryAfterSeconds, RetryLaterException } from './too-many-requests.js';

const DAY = 24 * 3600;
const UNLIMITED = 1_000_000_000;
const ADDRESS_QUEUE = 4;
const ADDRESS_WAIT_MS = 5_000;

/**
 * Login throttling, checked before any password is hashed:
 * - per IP address: LOGIN_PER_IP_PER_MINUTE attempts;
 * - per account (tenant slug + email, whether or not it exists, so a lock says
 *   nothing about existence): after LOGIN_MAX_FAILURES failures in a row the
 *   account is locked for LOGIN_LOCKOUT_SECONDS, doubling with each further
 *   failure up to LOGIN_LOCKOUT_MAX_SECONDS. A success clears the count.
 * - per IP address and process: one password check at a time (a few may wait),
 *   so one client holds at most one of the PASSWORD_HASH_CONCURRENCY slots and
 *   everybody else's login still finds a free one.
 * Keys are hashed: Redis never holds e-mail addresses.
 */
@Injectable()
export class LoginThrottleService {
  private readonly checking = new KeyedSemaphore(1, ADDRESS_QUEUE);

  constructor(
    private readonly limiter: RateLimiterService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get settings() {
    return this.config.admission.login;
  }

  /** Throws 429 with Retry-After when this IP or this account may not try now. */
  async admit(ip: string, slug: string, email: string): Promise<void> {
    await this.limiter.consume([
      { name: 'login:ip', key: ip || 'unknown', perMinute: this.settings.perIpPerMinute, what: 'login attempts from this address' },
    ]);
    const lock = await this.locks().get(accountKey(slug, email));
    if (lock && lock.consumedPoints > 1) {
      throw new RetryLaterException('Too many failed logins for this account; retry later', retryAfterSeconds(lock.msBeforeNext));
    }
  }

  /** Runs the password check holding this address's one slot; 429 when it is taken and its queue is full. */
  oneAtATime<T>(ip: string, work: () => Promise<T>): Promise<T> {
    return this.checking.use(
      ip,
      work,
      ADDRESS_WAIT_MS,
      () => new RetryLaterException('Too many logins in progress from this address; retry shortly', 1),
    );
  }

  async failed(slug: string, email: string): Promise<void> {
    const key = accountKey(slug, email);
    const failures = (await this.failures().consume(key)).consumedPoints; // never refused: the limiter only counts
    const over = failures - this.settings.maxFailures;
    if (over < 0) return;
    const seconds = Math.min(this.settings.lockoutMaxSeconds, this.settings.lockoutSeconds * 2 ** Math.min(over, 20));
    await this.locks().block(key, seconds);
  }

  async succeeded(slug: string, email: string): Promise<void> {
    await this.failures().delete(accountKey(slug, email));
  }

  /** Failures in a row, remembered for a day. */
  private failures() {
    return this.limiter.limiter('login:failures', UNLIMITED, DAY);
  }

  /** block() marks a key blocked (consumedPoints > points) for the given time. */
  private locks() {
    return this.limiter.limiter('login:lock', 1, this.settings.lockoutMaxSeconds);
  }
}

const accountKey = (slug: string, email: string): string =>
  createHash('sha256').update(`${slug}\n${email.trim().toLowerCase()}`).digest('base64url');
