import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '#libs/config/config.module.js';
import type { AppConfig } from '#libs/config/config.js';
import { Semaphore } from '#libs/concurrency/semaphore.js';
import { RetryLaterException } from '../admission/too-many-requests.js';
import { hashLikeStored, hashPassword } from './password.js';

/**
 * Every scrypt of the process goes through one gate: PASSWORD_HASH_CONCURRENCY
 * at once (each takes 32 MiB and a thread-pool thread for ~100 ms), at most
 * PASSWORD_HASH_QUEUE waiting, the rest answered 503 at once. A login flood
 * then costs a bounded share of the CPUs, and the thread pool keeps threads for
 * everything else (DNS, files, other crypto).
 */
@Injectable()
export class PasswordHasher {
  private readonly gate: Semaphore;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.gate = new Semaphore(config.admission.passwordHash.concurrency, config.admission.passwordHash.queue);
  }

  hash(password: string): Promise<string> {
    return this.gated(() => hashPassword(password));
  }

  /**
   * The hash the stored parameters and salt give for `password`, for the database to compare
   * (login never reads a stored hash). Burns the same time when `params` is missing, so an
   * unknown user looks like a wrong password.
   */
  deriveLikeStored(password: string, params: string | null | undefined): Promise<string | undefined> {
    return this.gated(() => hashLikeStored(password, params));
  }

  private gated<T>(work: () => Promise<T>): Promise<T> {
    return this.gate.use(work, undefined, () => new RetryLaterException('The server is busy checking passwords; retry shortly', 1, 503));
  }
}
