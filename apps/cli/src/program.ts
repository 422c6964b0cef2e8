import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { defaultStateDir } from './import/import-state.js';
import { runImport } from './import/import-run.js';
import { SUPPORTED_EXTENSIONS } from './import/supported-types.js';

const version = (JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const integer =
  (min: number, max: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };

const httpUrl = (value: string): string => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected an http(s) URL such as http://localhost:3000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('expected an http(s) URL');
  return url.toString().replace(/\/+$/, '');
};

const nonEmpty = (value: string): string => {
  if (!value.trim()) throw new InvalidArgumentError('must not be empty');
  return value.trim();
};

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** `ragdocs`: the command-line client of a ragdocs deployment (only `import` for now). */
export function buildProgram(signal: AbortSignal): Command {
  const program = new Command('ragdocs')
    .description('Command-line client of a ragdocs deployment')
    .version(version)
    .showHelpAfterError('(add --help for the options)')
    .exitOverride(); // main.ts maps commander's exits to ours (usage errors: 2); set before the subcommand, which inherits it

  program
    .command('import')
    .description('Upload every supported file under <dir> into a tenant, then wait until each is ingested')
    .argument('<dir>', 'directory to import (walked recursively; hidden entries are skipped)')
    .addOption(new Option('--url <url>', 'base URL of the API').env('RAGDOCS_URL').argParser(httpUrl).makeOptionMandatory())
    .addOption(
      new Option('--key <key>', 'API key (rag_…) or access token; prefer the variable, a flag shows in `ps`')
        .env('RAGDOCS_KEY')
        .argParser(nonEmpty)
        .makeOptionMandatory(),
    )
    .option('--folder <path>', 'put the documents in this folder, created if missing ("Manuals", or "Manuals/2024" for a sub-folder)')
    .option('--mirror-folders', 'recreate the sub-directories of <dir> as sub-folders (of --folder when given)')
    .option('--include <glob>', 'only files whose path (relative to <dir>) matches; repeatable (default: "**/*")', collect)
    .option('--exclude <glob>', 'skip files, and directories, whose relative path matches; repeatable', collect, [])
    .option('--concurrency <n>', 'uploads in flight at once', integer(1, 32), 4)
    .option(
      '--retries <n>',
      'attempts after the first on 502/503/504 and network errors (429 is retried as long as the server asks)',
      integer(0, 100),
      6,
    )
    .option('--no-wait', 'end after the uploads instead of waiting for ingestion')
    .addOption(
      new Option(
        '--wait-timeout <seconds>',
        'stop waiting for ingestion this long after the uploads ended (exit 1 if unfinished); default: no limit',
      ).argParser(integer(1, 7 * 24 * 3600)),
    )
    .option('--state-dir <dir>', 'where runs record what they imported, to resume', defaultStateDir())
    .option('--no-resume', 'ignore what earlier runs recorded (the server still answers "duplicate" for bytes it has)')
    .option('--plain', 'one line per file even on a terminal (the default when stdout is not one)')
    .addOption(
      new Option('--poll-interval <ms>', 'how often ingestion status is asked for')
        .argParser(integer(100, 60_000))
        .default(1000)
        .hideHelp(),
    )
    .addHelpText(
      'after',
      `
Supported files: ${SUPPORTED_EXTENSIONS.join(' ')} (the server decides by content; others are skipped and listed).
Globs use node's path.matchesGlob: "**/*.pdf", "manuals/**", "**/drafts/**".
Files with the same bytes as one already imported into the tenant are not sent again.

Exit codes: 0 everything imported or rightly skipped; 1 a file failed to upload or to ingest,
or --wait-timeout passed; 2 bad arguments, unreachable server or refused key; 130 interrupted.

Example:
  RAGDOCS_URL=http://localhost:3000 RAGDOCS_KEY=rag_… ragdocs import ./manuals --folder Manuals --mirror-folders`,
    )
    .action(async (dir: string, flags: Record<string, unknown>) => {
      process.exitCode = await runImport(
        {
          dir,
          url: flags.url as string,
          key: flags.key as string,
          folder: flags.folder as string | undefined,
          mirrorFolders: flags.mirrorFolders === true,
          include: (flags.include as string[] | undefined) ?? ['**/*'],
          exclude: flags.exclude as string[],
          concurrency: flags.concurrency as number,
          retries: flags.retries as number,
          wait: flags.wait as boolean,
          waitTimeoutMs: flags.waitTimeout ? (flags.waitTimeout as number) * 1000 : undefined,
          stateDir: flags.stateDir as string,
          resume: flags.resume as boolean,
          plain: flags.plain === true,
          pollMs: flags.pollInterval as number,
        },
        process.stdout,
        signal,
      );
    });
  return program;
}
