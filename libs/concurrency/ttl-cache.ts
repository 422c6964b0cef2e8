/**
 * Per-process memo of values per key (a tenant's budgets, its active embedding set) that may be a
 * few seconds stale, so that a request costs no extra query. Bounded: past `maxEntries` keys it
 * starts again from empty rather than growing with every tenant ever seen.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string): V | undefined {
    const hit = this.entries.get(key);
    return hit && hit.until > Date.now() ? hit.value : undefined;
  }

  set(key: string, value: V): V {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, until: Date.now() + this.ttlMs });
    return value;
  }
}
