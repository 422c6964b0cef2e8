/**
 * A counting semaphore with a bounded wait: at most `limit` holders, at most
 * `maxWaiting` callers queued (FIFO), each waiting at most `waitMs`. A caller
 * that cannot get in is refused at once with a SemaphoreBusyError instead of
 * piling up: under overload the answer is "try again", not an ever longer queue.
 */
export class SemaphoreBusyError extends Error {
  constructor(readonly reason: 'queue-full' | 'timed-out') {
    super(reason === 'queue-full' ? 'too many callers are already waiting' : 'waited too long for a slot');
    this.name = 'SemaphoreBusyError';
  }
}

export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
  timer?: NodeJS.Timeout;
}

export class Semaphore {
  private holders = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly limit: number,
    private readonly maxWaiting = Infinity,
  ) {}

  get active(): number {
    return this.holders;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with a release function (call it exactly once; further calls do nothing). */
  acquire(waitMs = Infinity): Promise<Release> {
    if (this.holders < this.limit) {
      this.holders++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.maxWaiting || waitMs <= 0) return Promise.reject(new SemaphoreBusyError('queue-full'));
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = { grant: resolve };
      if (Number.isFinite(waitMs)) {
        waiter.timer = setTimeout(() => {
          const at = this.waiting.indexOf(waiter);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(new SemaphoreBusyError('timed-out'));
        }, waitMs);
      }
      this.waiting.push(waiter);
    });
  }

  /** A slot if one is free now and nobody waits for one (call the release exactly once); undefined otherwise, without waiting. */
  tryAcquire(): Release | undefined {
    if (this.holders >= this.limit || this.waiting.length) return undefined;
    this.holders++;
    return this.releaser();
  }

  /** Runs `work` holding a slot; when none can be had, throws `busy()` if given, else the SemaphoreBusyError. */
  async use<T>(work: () => Promise<T>, waitMs?: number, busy?: () => Error): Promise<T> {
    let release: Release;
    try {
      release = await this.acquire(waitMs);
    } catch (e) {
      throw busy && e instanceof SemaphoreBusyError ? busy() : e;
    }
    try {
      return await work();
    } finally {
      release();
    }
  }

  private releaser(): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) {
        // The slot passes straight to the next waiter: the count stays the same.
        clearTimeout(next.timer);
        next.grant(this.releaser());
      } else {
        this.holders--;
      }
    };
  }
}

/**
 * One Semaphore per key (a tenant, an address), made on first use and dropped once
 * nobody holds or awaits it, so idle keys cost nothing.
 */
export class KeyedSemaphore {
  private readonly gates = new Map<string, Semaphore>();

  constructor(
    private readonly limit: number,
    private readonly maxWaiting = Infinity,
  ) {}

  async use<T>(key: string, work: () => Promise<T>, waitMs?: number, busy?: () => Error): Promise<T> {
    const gate = this.gate(key);
    try {
      return await gate.use(work, waitMs, busy);
    } finally {
      this.forget(key, gate);
    }
  }

  /** A slot of `key` if one is free now (Semaphore.tryAcquire), never waiting. */
  tryAcquire(key: string): Release | undefined {
    const gate = this.gate(key);
    const release = gate.tryAcquire();
    if (!release) {
      this.forget(key, gate);
      return undefined;
    }
    return () => {
      release();
      this.forget(key, gate);
    };
  }

  private gate(key: string): Semaphore {
    let gate = this.gates.get(key);
    if (!gate) this.gates.set(key, (gate = new Semaphore(this.limit, this.maxWaiting)));
    return gate;
  }

  private forget(key: string, gate: Semaphore): void {
    if (gate.active === 0 && gate.queued === 0 && this.gates.get(key) === gate) this.gates.delete(key);
  }
}
