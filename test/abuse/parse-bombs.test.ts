/**
 * Issue 8, "memory-bounded parsing": a tenant uploads decompression bombs (a 1 MB DOCX
 * whose document.xml inflates to 1 GiB, a 1 MB PDF with a 1 GiB FlateDecode content
 * stream), two at a time, through the real API to a real worker process running with
 * the default limits. Each bomb must end `failed` with a plain reason; the worker's
 * memory (its own RSS plus its parser processes') must grow by less than 512 MB while
 * they are parsed and come back near its baseline afterwards; another tenant's
 * ordinary document, uploaded meanwhile, must still become `ready`.
 *
 * Before (parser in a worker thread with a JS-heap limit only): +2.1 GB per bomb,
 * 4.9 GB peak with two, 1.76 GB still held afterwards (bench/RESULTS-abuse.md).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { TestApi, TestTenant } from '../support/api.js';
import { makeDocxBomb, makePdfBomb } from '../support/bomb-fixtures.js';
import { uniqueText, upload, waitForStatus } from '../support/documents.js';
import { childPids, rssMb } from '../support/process-memory.js';
import { useStack } from '../support/stack.js';
import type { WorkerProcess } from '../support/worker.js';

const GiB = 1024 * 1024 * 1024;
const MAX_GROWTH_MB = 512;
const MAX_LEFT_AFTER_MB = 100;
const SETTLE_MS = 60_000;

let api: TestApi;
let worker: WorkerProcess;
let attacker: TestTenant;
let victim: TestTenant;

const stack = useStack({
  prefix: 'bombs',
  workers: 1,
  tenants: ['bomber', 'bystander'],
  // The defaults are what is under test: two jobs at once, each parser capped at 200 MB.
  workerEnv: {
    WORKER_CONCURRENCY: '2',
    PARSE_MAX_MEMORY_MB: undefined,
    PARSE_MAX_UNCOMPRESSED_MB: undefined,
    PARSE_MAX_COMPRESSION_RATIO: undefined,
  },
});
before(
  async () =>
    ({
      api,
      worker,
      tenants: [attacker, victim],
    } = await stack.ready),
);

/**
 * Samples the worker's RSS plus its children's every 20 ms (the list of children is
 * refreshed every 100 ms: scanning /proc costs more than reading a status file).
 */
class TreeMemory {
  peakMb = 0;
  private children: number[] = [];
  private readonly timers: NodeJS.Timeout[];

  constructor(private readonly pid: number) {
    this.refresh();
    this.timers = [setInterval(() => this.refresh(), 100), setInterval(() => this.sample(), 20)];
  }

  now(): number {
    return rssMb(this.pid) + this.children.reduce((sum, child) => sum + rssMb(child), 0);
  }

  stop(): number {
    this.timers.forEach(clearInterval);
    return this.peakMb;
  }

  private refresh() {
    this.children = childPids(this.pid);
  }

  private sample() {
    this.peakMb = Math.max(this.peakMb, this.now());
  }
}

/** The worker at rest: no parser children, after a settling pause; the median of a few samples. */
async function restingMb(): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 200));
    samples.push(rssMb(worker.child.pid!) + childPids(worker.child.pid!).reduce((s, c) => s + rssMb(c), 0));
  }
  return samples.sort((a, b) => a - b)[2]!;
}

async function uploadAccepted(tenant: TestTenant, bytes: Uint8Array, filename: string): Promise<string> {
  const res = await upload(api, tenant.adminKey, bytes, filename);
  assert.equal(res.status, 202, `${filename}: ${res.status} ${res.text}`);
  return res.body.id;
}

async function settle(tenant: TestTenant, id: string) {
  return waitForStatus(api, tenant.adminKey, id, ['ready', 'failed'], SETTLE_MS).catch((e) => {
    throw new Error(`${e.message}\n--- worker alive: ${worker.alive}; log (tail) ---\n${worker.log.slice(-3000)}`);
  });
}

/** A short reason for people: not a stack trace, not an internal error dump. */
function assertPlainReason(doc: { status: string; error: unknown }, expected: RegExp) {
  assert.equal(doc.status, 'failed');
  assert.equal(typeof doc.error, 'string');
  assert.match(doc.error as string, expected);
  assert.ok(!/\n\s+at |Error:|\bundefined\b|\[object /.test(doc.error as string), `plain: ${JSON.stringify(doc.error)}`);
}

test('bombs alone and two at once fail plainly, the worker stays within 512 MB of its baseline, another tenant is served', async () => {
  // Warm up: the worker's first document loads the chunker and the embedder.
  const warm = await uploadAccepted(victim, new TextEncoder().encode(uniqueText('warm-up')), 'warm.md');
  assert.equal((await settle(victim, warm)).status, 'ready');
  const baseline = await restingMb();
  console.log(`# worker at rest: ${baseline.toFixed(0)} MB`);

  const docxBomb = makeDocxBomb(GiB, 'docx bomb');
  const pdfBomb = makePdfBomb(GiB, 'pdf bomb one');
  const pdfBomb2 = makePdfBomb(GiB, 'pdf bomb two');
  for (const bomb of [docxBomb, pdfBomb, pdfBomb2]) assert.ok(bomb.byteLength < 1.5 * 1024 * 1024, `${bomb.byteLength} bytes`);

  const rounds: { name: string; growth: number; left: number; docs: { filename: string; status: string; error: unknown }[] }[] = [];
  let victimDoc: string | undefined;
  for (const [name, bombs] of [
    ['one DOCX', [[docxBomb, 'bomb.docx']]],
    ['one PDF', [[pdfBomb, 'bomb.pdf']]],
    [
      'DOCX + PDF',
      [
        [docxBomb, 'bomb.docx'],
        [pdfBomb, 'bomb.pdf'],
      ],
    ],
    [
      'PDF + PDF',
      [
        [pdfBomb, 'bomb-a.pdf'],
        [pdfBomb2, 'bomb-b.pdf'],
      ],
    ],
  ] as const) {
    const memory = new TreeMemory(worker.child.pid!);
    const started = Date.now();
    // Each round a fresh copy: the duplicate check would merge a re-upload of the same bytes.
    const ids = await Promise.all(bombs.map(([bytes, filename]) => uploadAccepted(attacker, unique(bytes, name), filename)));
    // The other tenant's ordinary document arrives while bombs are being parsed.
    if (bombs.length === 2)
      victimDoc ??= await uploadAccepted(victim, new TextEncoder().encode(uniqueText('bystander', 6)), 'bystander.md');
    const docs = await Promise.all(ids.map((id) => settle(attacker, id)));
    const peak = memory.stop();
    const left = await restingMb();
    rounds.push({
      name,
      growth: peak - baseline,
      left: left - baseline,
      docs: docs.map((d, i) => ({ filename: bombs[i]![1], status: d.status, error: d.error })),
    });
    console.log(
      `# ${name}: peak growth ${(peak - baseline).toFixed(0)} MB, ${(left - baseline).toFixed(0)} MB left at rest, ` +
        `${Date.now() - started} ms; ${docs.map((d) => `${d.status}: ${d.error}`).join('; ')}`,
    );
  }
  const bystander = await settle(victim, victimDoc!);

  for (const round of rounds) {
    for (const doc of round.docs) {
      assertPlainReason(
        doc,
        doc.filename.endsWith('.docx')
          ? /^the file expands (more than \d+-fold|beyond \d+ MB) when decompressed$/
          : /^parsing needed more than \d+ MB of memory$/,
      );
    }
    assert.ok(round.growth < MAX_GROWTH_MB, `${round.name}: worker + parsers grew by ${round.growth.toFixed(0)} MB`);
    assert.ok(round.left < MAX_LEFT_AFTER_MB, `${round.name}: ${round.left.toFixed(0)} MB still held at rest`);
  }
  assert.equal(bystander.status, 'ready', `the other tenant's document ended ${bystander.status}: ${bystander.error}`);
  assert.ok(worker.alive, 'the worker survived');
});

/**
 * Makes each upload unique (the per-tenant duplicate check compares content): PDF
 * readers ignore a comment line after %%EOF; a ZIP gets the round's name as its
 * archive comment (the end record's last field).
 */
function unique(bytes: Uint8Array, round: string): Uint8Array {
  if (bytes[0] !== 0x25) {
    const comment = new TextEncoder().encode(round);
    const out = new Uint8Array(bytes.length + comment.length);
    out.set(bytes);
    new DataView(out.buffer).setUint16(bytes.length - 2, comment.length, true);
    out.set(comment, bytes.length);
    return out;
  }
  const suffix = new TextEncoder().encode(`% ${round}\n`);
  const out = new Uint8Array(bytes.length + suffix.length);
  out.set(bytes);
  out.set(suffix, bytes.length);
  return out;
}
