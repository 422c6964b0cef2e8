import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedSemaphore, Semaphore } from '../../libs/concurrency/semaphore.js';

test('tryAcquire takes a free slot at once and refuses, without waiting, when none is free or callers already wait', async () => {
  const s = new Semaphore(2);
  const a = s.tryAcquire();
  const b = s.tryAcquire();
  assert.ok(a && b);
  assert.equal(s.tryAcquire(), undefined, 'both slots held');
  // A waiter queued behind the full semaphore keeps its turn: a slot freed goes to it, not to tryAcquire.
  const waiting = s.acquire(1_000);
  a();
  const c = await waiting;
  assert.equal(s.active, 2);
  assert.equal(s.tryAcquire(), undefined);
  b();
  const d = s.tryAcquire();
  assert.ok(d);
  c();
  d();
  d(); // a second call does nothing
  assert.equal(s.active, 0);
});

test('KeyedSemaphore.tryAcquire counts per key with use(), and forgets a key nobody holds', async () => {
  const k = new KeyedSemaphore(1);
  const r1 = k.tryAcquire('t1');
  assert.ok(r1);
  assert.equal(k.tryAcquire('t1'), undefined, 't1 holds its one slot');
  const r2 = k.tryAcquire('t2');
  assert.ok(r2, 'another key has its own');
  // use() of the same key waits for the slot tryAcquire holds, and gets it once released.
  let ran = false;
  const used = k.use('t1', async () => (ran = true), 1_000);
  await new Promise((r) => setImmediate(r));
  assert.equal(ran, false);
  r1();
  await used;
  assert.equal(ran, true);
  r2();
  const again = k.tryAcquire('t1');
  assert.ok(again, 'free again after use() finished');
  again();
  assert.equal((k as unknown as { gates: Map<string, unknown> }).gates.size, 0, 'no gate left for idle keys');
});
