import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuse } from '../../libs/retrieval/search.repository.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b}`);

test('hybrid fusion: each side min-max scaled to [0, 1], then 0.6 × vector + 0.4 × keyword', () => {
  const fused = fuse(
    [
      { id: 'a', distance: 0.1 },
      { id: 'b', distance: 0.3 },
      { id: 'c', distance: 0.5 },
    ],
    [
      { id: 'c', rank: 2.5 },
      { id: 'd', rank: 1.5 },
      { id: 'b', rank: 0.5 },
    ],
  );
  const score = Object.fromEntries(fused.map((f) => [f.id, f.score]));
  close(score.a!, 0.6); // best vector, no keyword hit
  close(score.b!, 0.6 * 0.5 + 0); // middle vector, worst keyword
  close(score.c!, 0 + 0.4); // worst vector, best keyword
  close(score.d!, 0.4 * 0.5); // keyword only
  assert.deepEqual(
    fused.map((f) => f.id),
    ['a', 'c', 'b', 'd'],
  );
});

test('a side whose candidates all score alike gives each of them full marks: being a candidate is the signal', () => {
  const fused = fuse(
    [{ id: 'a', distance: 0.2 }],
    [
      { id: 'a', rank: 1 },
      { id: 'b', rank: 1 },
    ],
  );
  close(fused[0]!.score, 1);
  close(fused[1]!.score, 0.4);
});

test('ties keep the vector order, then the id order, so results are stable', () => {
  const fused = fuse(
    [
      { id: 'x', distance: 0.2 },
      { id: 'y', distance: 0.2 },
    ],
    [
      { id: 'q', rank: 3 },
      { id: 'p', rank: 3 },
    ],
  );
  assert.deepEqual(
    fused.map((f) => f.id),
    ['x', 'y', 'p', 'q'],
  );
  assert.deepEqual(fuse([], []), []);
});

test('a candidate whose heading holds the query words gains 0.5 × their share', () => {
  const vector = [
    { id: 'a', distance: 0.1 },
    { id: 'b', distance: 0.2 },
  ];
  const keyword = [{ id: 'b', rank: 1 }];
  // Without the boost a (0.6) leads b (0 + 0.4); b's heading holds half the query's words: 0.4 + 0.25.
  const fused = fuse(vector, keyword, new Map([['b', 0.5]]));
  assert.deepEqual(
    fused.map((f) => f.id),
    ['b', 'a'],
  );
  close(fused[0]!.score, 0.65);
  close(fused[1]!.score, 0.6);
});
