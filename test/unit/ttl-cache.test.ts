import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TtlCache } from '../../libs/concurrency/ttl-cache.js';

describe('TtlCache', () => {
  it('gives a value back until its time is up, then nothing', async () => {
    const cache = new TtlCache<number>(40);
    assert.equal(cache.set('a', 1), 1);
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('b'), undefined);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(cache.get('a'), undefined);
  });

  it('starts again from empty past maxEntries instead of growing', () => {
    const cache = new TtlCache<string>(60_000, 2);
    cache.set('a', 'x');
    cache.set('b', 'y');
    cache.set('c', 'z');
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('c'), 'z');
  });
});
