import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constants, deflateRawSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { IngestionError } from '../../libs/ingestion/ingestion.error.js';
import { checkZipExpansion, INFLATE_CHUNK, measureZipExpansion, RATIO_FLOOR } from '../../libs/ingestion/zip-bounds.js';
import { readZipDirectory } from '../../libs/ingestion/zip-entries.js';
import { deflateRepeated, makeDocxBomb } from '../support/bomb-fixtures.js';
import { makeDocx } from '../support/docx-fixtures.js';
import { prng } from '../support/prng.js';

const MiB = 1024 * 1024;
const CORRUPT = 'corrupt DOCX';

test('a 1 MB DOCX that inflates to 1 GiB: inflating stops at the size limit, within one chunk', async () => {
  const bomb = makeDocxBomb();
  assert.ok(bomb.byteLength < 1.5 * MiB, `${bomb.byteLength} bytes`);
  const document = readZipDirectory(bomb)!.find((e) => e.name === 'word/document.xml')!;
  assert.ok(document.declaredSize >= 1024 * MiB, 'it really declares 1 GiB');

  const limit = 10 * MiB;
  const started = performance.now();
  // A ratio limit too high to matter: only the size limit can stop it.
  const result = await measureZipExpansion(bomb, { maxUncompressedBytes: limit, maxRatio: 1_000_000 }, CORRUPT);
  assert.equal(result.over, 'size');
  assert.ok(result.inflatedBytes > limit, 'it did cross the limit');
  assert.ok(result.inflatedBytes <= limit + INFLATE_CHUNK, `inflated ${result.inflatedBytes} bytes for a ${limit}-byte limit`);
  assert.ok(performance.now() - started < 5000, 'and quickly (10 MB, not 1 GiB)');

  await assert.rejects(
    checkZipExpansion(bomb, { maxUncompressedBytes: limit, maxRatio: 1_000_000 }, CORRUPT),
    (e) => e instanceof IngestionError && e.permanent && e.message === 'the file expands beyond 10 MB when decompressed',
  );
});

test('the ratio is checked against the compressed bytes read so far: a bomb stops within a few MB', async () => {
  const bomb = makeDocxBomb();
  const result = await measureZipExpansion(bomb, { maxUncompressedBytes: 200 * MiB, maxRatio: 100 }, CORRUPT);
  assert.equal(result.over, 'ratio');
  // Past the 1 MB floor, 100 × the 16 KB slices fed so far, plus one output chunk.
  assert.ok(result.inflatedBytes <= Math.max(RATIO_FLOOR, 100 * 16 * 1024) + 2 * INFLATE_CHUNK, `inflated ${result.inflatedBytes}`);
  await assert.rejects(
    checkZipExpansion(bomb, { maxUncompressedBytes: 200 * MiB, maxRatio: 100 }, CORRUPT),
    (e) => e instanceof IngestionError && e.permanent && e.message === 'the file expands more than 100-fold when decompressed',
  );
});

test('the total counts every entry: many modest entries add up', async () => {
  // 12 entries of the same 1 MiB of random-ish text: each compresses less than 2:1, together 12 MiB.
  const random = prng(7);
  const text = new TextEncoder().encode(Array.from({ length: MiB / 8 }, () => random.int(1e8).toString(36).padEnd(8, ' ')).join(''));
  const zip = zipSync(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`part${i}.xml`, text])), { level: 1 });
  const within = await measureZipExpansion(zip, { maxUncompressedBytes: 16 * MiB, maxRatio: 100 }, CORRUPT);
  assert.deepEqual(within, { inflatedBytes: 12 * MiB, over: null });
  const over = await measureZipExpansion(zip, { maxUncompressedBytes: 8 * MiB, maxRatio: 100 }, CORRUPT);
  assert.equal(over.over, 'size');
  assert.ok(over.inflatedBytes <= 8 * MiB + INFLATE_CHUNK);
});

test('stored (uncompressed) entries count at their size', async () => {
  const zip = zipSync({ 'big.bin': new Uint8Array(3 * MiB) }, { level: 0 });
  assert.equal(readZipDirectory(zip)![0]!.method, 0);
  assert.deepEqual(await measureZipExpansion(zip, { maxUncompressedBytes: 4 * MiB, maxRatio: 100 }, CORRUPT), {
    inflatedBytes: 3 * MiB,
    over: null,
  });
  assert.equal((await measureZipExpansion(zip, { maxUncompressedBytes: 2 * MiB, maxRatio: 100 }, CORRUPT)).over, 'size');
});

test('small entries may compress well; ordinary documents pass', async () => {
  // 900 KB of one character: ratio ~1000, but under the 1 MB floor.
  const small = zipSync({ 'word/document.xml': new Uint8Array(900 * 1024).fill(0x20) });
  assert.equal((await measureZipExpansion(small, { maxUncompressedBytes: 200 * MiB, maxRatio: 100 }, CORRUPT)).over, null);
  const docx = makeDocx(['A title', 'Some ordinary paragraph of text.']);
  await checkZipExpansion(docx, { maxUncompressedBytes: 200 * MiB, maxRatio: 100 }, CORRUPT);
});

test('the declared sizes are not trusted: an entry that lies about its size is measured', async () => {
  const { raw, size, crc32 } = deflateRepeated('', ' ', 50 * MiB, '');
  // Build a one-entry ZIP by hand that declares 10 bytes but inflates to 50 MiB.
  const zip = oneEntryZip('word/document.xml', raw, 10, crc32);
  assert.equal(readZipDirectory(zip)![0]!.declaredSize, 10);
  const result = await measureZipExpansion(zip, { maxUncompressedBytes: 20 * MiB, maxRatio: 1_000_000 }, CORRUPT);
  assert.equal(result.over, 'size');
  assert.ok(size > 20 * MiB);
});

test('damaged archives are corrupt, not bombs', async () => {
  const docx = makeDocx(['hello']);
  const isCorrupt = (e: unknown) => e instanceof IngestionError && e.permanent && e.message === CORRUPT;
  // No end-of-central-directory record.
  await assert.rejects(
    measureZipExpansion(docx.subarray(0, docx.length - 30), { maxUncompressedBytes: MiB, maxRatio: 100 }, CORRUPT),
    isCorrupt,
  );
  // Garbage where the deflate data should be.
  const garbage = oneEntryZip('word/document.xml', new Uint8Array(64).fill(0xff), 100, 0);
  await assert.rejects(measureZipExpansion(garbage, { maxUncompressedBytes: MiB, maxRatio: 100 }, CORRUPT), isCorrupt);
  // Deflate data cut short.
  const cut = deflateRawSync(new TextEncoder().encode('x'.repeat(5000) + Math.random()), { finishFlush: constants.Z_SYNC_FLUSH });
  await assert.rejects(
    measureZipExpansion(oneEntryZip('word/document.xml', cut, 5000, 0), { maxUncompressedBytes: MiB, maxRatio: 100 }, CORRUPT),
    isCorrupt,
  );
});

/** A ZIP of one deflated entry with whatever sizes we claim. */
function oneEntryZip(name: string, data: Uint8Array, declaredSize: number, crc: number): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const out = new Uint8Array(30 + nameBytes.length + data.length + 46 + nameBytes.length + 22);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x04034b50, true);
  v.setUint16(4, 20, true);
  v.setUint16(8, 8, true);
  v.setUint32(14, crc, true);
  v.setUint32(18, data.length, true);
  v.setUint32(22, declaredSize, true);
  v.setUint16(26, nameBytes.length, true);
  out.set(nameBytes, 30);
  out.set(data, 30 + nameBytes.length);
  const central = 30 + nameBytes.length + data.length;
  v.setUint32(central, 0x02014b50, true);
  v.setUint16(central + 4, 20, true);
  v.setUint16(central + 6, 20, true);
  v.setUint16(central + 10, 8, true);
  v.setUint32(central + 16, crc, true);
  v.setUint32(central + 20, data.length, true);
  v.setUint32(central + 24, declaredSize, true);
  v.setUint16(central + 28, nameBytes.length, true);
  v.setUint32(central + 42, 0, true);
  out.set(nameBytes, central + 46);
  const end = central + 46 + nameBytes.length;
  v.setUint32(end, 0x06054b50, true);
  v.setUint16(end + 8, 1, true);
  v.setUint16(end + 10, 1, true);
  v.setUint32(end + 12, 46 + nameBytes.length, true);
  v.setUint32(end + 16, central, true);
  return out;
}
