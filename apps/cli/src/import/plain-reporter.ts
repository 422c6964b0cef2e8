import type { RetryNotice } from './api-client.js';
import { formatBytes } from './format.js';
import type { FileOutcome, Tracked } from './outcomes.js';
import { describeDocument, describeRetry, line, OUTCOME_WORDS, type ImportPlan, type ImportReporter } from './reporter.js';

/** One line per file and per finished document: for logs, pipes and CI, where bars would be noise. */
export class PlainReporter implements ImportReporter {
  constructor(private readonly out: NodeJS.WritableStream) {}

  begin(plan: ImportPlan): void {
    this.print(`import ${plan.root} → ${plan.url} as ${plan.who}, ${plan.target}`);
    this.print(
      `${plan.files} files to consider (${formatBytes(plan.bytes)}), ${plan.unsupportedByName} unsupported by name; state ${plan.stateFile}`,
    );
  }

  file(o: FileOutcome): void {
    this.print(line(OUTCOME_WORDS[o.kind], o.rel, o.kind === 'uploaded' ? formatBytes(o.size) : o.detail));
  }

  retry(rel: string, notice: RetryNotice): void {
    this.print(line('retry', rel, describeRetry(notice)));
  }

  ingested(doc: Tracked): void {
    this.print(line(doc.status, doc.rel, describeDocument(doc)));
  }

  note(text: string): void {
    this.print(text);
  }

  end(): void {}

  private print(text: string): void {
    this.out.write(text + '\n');
  }
}
