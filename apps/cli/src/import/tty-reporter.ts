import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { RetryNotice } from './api-client.js';
import { formatBytes, formatDuration } from './format.js';
import type { IngestionWatch } from './ingestion-watch.js';
import type { FileOutcome, ImportTally, Tracked } from './outcomes.js';
import { describeDocument, describeRetry, line, OUTCOME_WORDS, type ImportPlan, type ImportReporter } from './reporter.js';

/** Outcomes worth a line above the bars; the rest only move them (the summary counts them). */
const LOGGED = new Set<FileOutcome['kind']>(['failed', 'unsupported']);

/**
 * Two bars on a terminal (cli-progress): uploaded (files, bytes, upload rate, ETA by bytes)
 * and ingested (finished of the documents followed, ready and failed). Failures and retries
 * are printed above them as they happen.
 */
export class TtyReporter implements ImportReporter {
  private readonly bars: MultiBar;
  private uploaded?: SingleBar;
  private ingestedBar?: SingleBar;
  private plan?: ImportPlan;
  private readonly started = Date.now();
  /** When the last file's upload phase ended: the rate is of the upload phase, not of the whole run. */
  private uploadsEnded?: number;

  constructor(
    out: NodeJS.WritableStream,
    private readonly tally: ImportTally,
    private readonly watch: IngestionWatch,
  ) {
    this.bars = new MultiBar(
      {
        stream: out,
        format: '{label} {bar} {counts}',
        barsize: 20,
        hideCursor: true,
        emptyOnZero: true,
        fps: 8,
        linewrap: false,
      },
      Presets.shades_classic,
    );
  }

  begin(plan: ImportPlan): void {
    this.plan = plan;
    this.bars.log(`import ${plan.root} → ${plan.url} as ${plan.who}, ${plan.target}\n`);
    this.uploaded = this.bars.create(Math.max(1, plan.bytes), 0, { label: 'uploaded', counts: '' });
    if (plan.wait) this.ingestedBar = this.bars.create(0, 0, { label: 'ingested', counts: '' });
    this.refresh();
  }

  file(o: FileOutcome): void {
    if (LOGGED.has(o.kind)) this.bars.log(line(OUTCOME_WORDS[o.kind], o.rel, o.detail) + '\n');
    this.refresh();
  }

  retry(rel: string, notice: RetryNotice): void {
    this.bars.log(line('retry', rel, describeRetry(notice)) + '\n');
  }

  ingested(doc: Tracked): void {
    if (doc.status === 'failed') this.bars.log(line('failed', doc.rel, describeDocument(doc)) + '\n');
    this.refresh();
  }

  note(text: string): void {
    this.bars.log(text + '\n');
  }

  end(): void {
    this.refresh();
    this.bars.stop();
  }

  private refresh(): void {
    if (!this.plan || !this.uploaded) return;
    const t = this.tally;
    if (t.doneFiles >= this.plan.files) this.uploadsEnded ??= Date.now();
    const seconds = Math.max(0.001, ((this.uploadsEnded ?? Date.now()) - this.started) / 1000);
    // By bytes: one 40 MB PDF is most of the work, not one file in a hundred.
    const eta =
      t.doneBytes >= this.plan.bytes
        ? '0 s'
        : t.doneBytes > 0
          ? formatDuration(((this.plan.bytes - t.doneBytes) / t.doneBytes) * seconds * 1000)
          : '…';
    this.uploaded.update(t.doneBytes, {
      counts: `${t.doneFiles}/${this.plan.files} files │ ${formatBytes(t.doneBytes)}/${formatBytes(this.plan.bytes)} │ ${formatBytes(t.uploadedBytes / seconds)}/s │ ETA ${eta}`,
    });
    if (this.ingestedBar) {
      const w = this.watch;
      this.ingestedBar.setTotal(w.total);
      this.ingestedBar.update(w.finished.length, {
        counts: `${w.finished.length}/${w.total} documents │ ready ${w.ready} │ failed ${w.failed}`,
      });
    }
  }
}
