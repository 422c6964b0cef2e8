import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
const LAB = process.env.LAB_DIR || '/tmp/ragdocs-lab';
fs.mkdirSync(LAB, { recursive: true });

const TOTAL = 200000,
  TENANTS = 200,
  ZIPF = 1.1,
  TOPICS = 80,
  D = 1536;
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, gauss, int: (n) => Math.floor(next() * n) };
}
const rnd = prng(50000);
const unit = (v) => {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
};
const gaussVec = (d, norm) => {
  const v = unit(Float64Array.from({ length: d }, () => rnd.gauss()));
  for (let i = 0; i < d; i++) v[i] *= norm;
  return v;
};
const near = (b, nn) => {
  const v = gaussVec(b.length, nn);
  for (let i = 0; i < v.length; i++) v[i] += b[i];
  return unit(v);
};
const common = gaussVec(D, 0.35);
const bases = Array.from({ length: TOPICS }, () => {
  const v = gaussVec(D, 1);
  for (let i = 0; i < D; i++) v[i] += common[i];
  return v;
});
const w = Array.from({ length: TENANTS }, (_, i) => 1 / Math.pow(i + 1, ZIPF));
const sum = w.reduce((a, b) => a + b, 0);
const sizes = w.map((x) => Math.max(20, Math.round((x / sum) * TOTAL)));
sizes[0] += TOTAL - sizes.reduce((a, b) => a + b, 0);
const tenants = sizes.map((size, r) => {
  const nT = Math.max(2, Math.min(12, Math.round(size / 1000)));
  const ts = new Set();
  while (ts.size < nT) ts.add(rnd.int(TOPICS));
  return { id: randomUUID(), rank: r + 1, size, topics: [...ts] };
});
const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
await c.connect();
await c.query('DROP DATABASE IF EXISTS lab');
await c.query('CREATE DATABASE lab');
await c.end();
const s = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/lab' });
await s.connect();
await s.query('CREATE EXTENSION vector');
await s.query(
  `CREATE TABLE ev (tenant_id uuid NOT NULL, id uuid NOT NULL, content text NOT NULL, embedding vector(${D}) NOT NULL, PRIMARY KEY (tenant_id,id))`,
);
const uuidB = (u) => Buffer.from(u.replace(/-/g, ''), 'hex');
function row(t, content, vec) {
  const text = Buffer.from(content);
  const vl = 4 + 4 * D;
  const b = Buffer.allocUnsafe(2 + 2 * 20 + 4 + text.length + 4 + vl);
  let o = b.writeInt16BE(4, 0);
  o = b.writeInt32BE(16, o);
  o += uuidB(t).copy(b, o);
  o = b.writeInt32BE(16, o);
  o += uuidB(randomUUID()).copy(b, o);
  o = b.writeInt32BE(text.length, o);
  o += text.copy(b, o);
  o = b.writeInt32BE(vl, o);
  o = b.writeInt16BE(D, o);
  o = b.writeInt16BE(0, o);
  for (const x of vec) o = b.writeFloatBE(x, o);
  return b;
}
const header = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const tr = Buffer.alloc(2);
tr.writeInt16BE(-1);
function* gen() {
  yield header;
  for (const t of tenants) {
    const parts = [];
    for (let i = 0; i < t.size; i++) {
      const tp = t.topics[Math.floor(i / 100) % t.topics.length];
      parts.push(row(t.id, `topic${tp} word${tp}a word${tp}b note ${i} ` + 'lorem ipsum dolor sit amet '.repeat(40), near(bases[tp], 0.9)));
    }
    yield Buffer.concat(parts);
  }
  yield tr;
}
let st = Date.now();
await pipeline(Readable.from(gen()), s.query(copyStreams.from('COPY ev (tenant_id,id,content,embedding) FROM STDIN (FORMAT binary)')));
console.log('loaded', Date.now() - st);
await s.query('ANALYZE ev');
// queries: per bucket pick tenants
const qs = [];
const qr = prng(7);
for (const t of tenants) {
  if (![1, 2, 3, 5, 10, 20, 50, 100, 199].includes(t.rank)) continue;
  const off = [...Array(TOPICS).keys()].filter((i) => !t.topics.includes(i));
  for (let k = 0; k < 10; k++) {
    const on = t.topics[k % t.topics.length];
    qs.push({
      tenant: t.id,
      rank: t.rank,
      size: t.size,
      kind: 'on',
      text: `word${on}a`,
      vec: Array.from(near(bases[on], 0.7), (x) => +x.toPrecision(8)),
    });
    const o = off[qr.int(off.length)];
    qs.push({
      tenant: t.id,
      rank: t.rank,
      size: t.size,
      kind: 'off',
      text: `word${o}a`,
      vec: Array.from(near(bases[o], 0.7), (x) => +x.toPrecision(8)),
    });
  }
}
fs.writeFileSync(`${LAB}/queries.json`, JSON.stringify({ tenants: tenants.map(({ id, rank, size }) => ({ id, rank, size })), qs }));
await s.end();
