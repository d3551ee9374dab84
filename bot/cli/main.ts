import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadSettings } from '../config.js';
import { DEFAULT_PACK, PACKS } from '../packs.js';
import { runCheck, streamCheck, type Format } from './check.js';
import { registerMailCommands } from './mail-commands.js';
import { rangeInput } from '../git/range.js';
import { registerGithubCommands } from './github-commands.js';
import { ConfigError } from '../../src/errors.js';
import { version } from '../../src/version.js';
import type { Severity } from '../../src/engine/finding.js';
import type { ErrorEntry } from '../../src/pipeline.js';
import { describeError } from '../../src/report/text.js';
import { readMaintainersFile } from '../maintainers-file.js';

/** Exit status (docs/reports.md). */
export const EXIT = { clean: 0, findings: 1, usage: 2, tempfail: 75, brokenPipe: 141 } as const;

export function buildProgram(): Command {
  const program = new Command('patchsentry')
    .description(`Reviews patches against a rule pack's policy (${PACKS.map((p) => `${p.name}: ${p.wording.reviews}`).join('; ')}).`)
    .version(version)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('check')
    .description('review patches: mbox (.gz too), .eml/.patch files, git log -p output, plain diffs, or - for stdin (see docs/cli.md)')
    .argument('[inputs...]', 'files to read, together as one input (the files of git format-patch -o form their series); - or nothing reads stdin', [])
    .addOption(new Option('-f, --format <format>', 'report format').choices(['text', 'json', 'sarif', 'codequality']).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this').choices(['error', 'warning', 'info', 'never']).default('error'))
    .option('-c, --config <file>', 'config file (default: ./.patchsentry.yml when present)')
    .option('--pack <name|module>', `rule pack: ${PACKS.map((p) => p.name).join(', ')}, or the path of a pack module (default: the config's pack:, else ${DEFAULT_PACK})`)
    .option('--no-progress', 'no progress bar on stderr')
    .option('-q, --quiet', 'checkpatch-style: one line per finding, nothing at all when clean, input errors on stderr (for b4 prep --check, see docs/b4.md)')
    .option('--range [BASE..TIP]', 'review the commits of a git range as a series (no value: BASE_SHA or CI_COMMIT_BEFORE_SHA .. TIP_SHA or CI_COMMIT_SHA; see docs/gitlab.md)')
    .option('--repo <dir>', 'the git repository of --range (default: the working directory)')
    .option('-j, --jobs <n>', `worker threads that read and count messages, 0 to ${availableParallelism()} (the cores here; default 0: on 2 cores they cost more than they gain, see npm run bench)`, jobs(availableParallelism()))
    .option('--no-color', 'no colours in the text report (also NO_COLOR=1 or TERM=dumb; colours are only ever used on a terminal)')
    .option('--maintainers <file>', "Xen's MAINTAINERS file: an Altp2m-Policy-Ack from a maintainer or reviewer of the file waives a finding (docs/policy.md#waivers)")
    .action(async (inputs: string[], opts: { format: Format; failOn: Severity | 'never'; config?: string; pack?: string; progress: boolean; jobs?: number; range?: string | true; repo?: string; quiet?: boolean; color: boolean; maintainers?: string }) => {
      if (opts.quiet && opts.format !== 'text') throw new Error('check: --quiet prints its own one-line format; leave out --format');
      const { pack, config } = await loadSettings(opts);
      const maintainers = opts.maintainers === undefined ? undefined : readMaintainersFile(opts.maintainers, (line) => process.stderr.write(`patchsentry: ${line}\n`));
      const range = opts.range === undefined ? null : await rangeOf(opts.range, inputs, opts.repo);
      const progress = opts.progress && !opts.quiet && opts.format === 'text' && process.stderr.isTTY === true ? progressBar() : null;
      const common = {
        inputs: range ? range.inputs : inputs.length > 0 ? inputs : ['-'],
        ...(range ? { read: range.read } : {}),
        failOn: opts.failOn,
        pack,
        config,
        ...(maintainers ? { waivers: { maintainers } } : {}),
        color: opts.format === 'text' && useColor(opts.color, process.stdout, process.env),
        ...(opts.format === 'text' ? textWidth(process.stdout, process.env) : {}),
        ...(progress ? { onProgress: progress.tick } : {}),
        // Input errors are in the report; when a text report goes to a file or a pipe they are
        // also said on stderr as they come, so that `check x.mbox > report.txt` shows them (on
        // a terminal the report itself shows them, once).
        // --quiet reports them on stderr only, wherever stdout goes.
        ...(opts.format === 'text' && (opts.quiet || process.stdout.isTTY !== true) ? { onInputError: (e: ErrorEntry) => {
              progress?.clear();
              process.stderr.write(`patchsentry: ${describeError(e)}\n`);
            } } : {}),
        workers: opts.jobs ?? 0,
      };
      if (common.inputs.includes('-') && !range && process.stdin.isTTY === true) {
        // As cat and git apply would, but saying so: nothing was piped in, the terminal is read.
        process.stderr.write(`patchsentry: reading a patch or mbox from stdin (the terminal); end it with ${process.platform === 'win32' ? 'Ctrl-Z Enter' : 'Ctrl-D'}, abort with Ctrl-C\n`);
      }
      const clearProgress = (): void => progress?.clear();
      if (opts.quiet) {
        const result = await runCheck({ ...common, format: 'terse', color: false });
        process.stdout.write(result.output);
        process.exitCode = result.exitCode;
        return;
      }
      if (opts.format === 'json' || opts.format === 'text') {
        // json and text stream: memory stays flat over any archive (docs/performance.md).
        process.exitCode = await streamCheck({ ...common, format: opts.format, out: process.stdout, beforeWrite: clearProgress });
        return;
      }
      const result = await runCheck({ ...common, format: opts.format });
      clearProgress();
      process.stdout.write(result.output);
      process.exitCode = result.exitCode;
    });

  program
    .command('rules')
    .description(`list the rules of a pack (default ${DEFAULT_PACK})`)
    .option('--long', 'with each rule\'s documentation')
    .option('-c, --config <file>', 'config file (default: ./.patchsentry.yml when present)')
    .option('--pack <name|module>', `rule pack: ${PACKS.map((p) => p.name).join(', ')}, or the path of a pack module (default: the config's pack:, else ${DEFAULT_PACK})`)
    .action(async (opts: { long?: boolean; config?: string; pack?: string }) => {
      const { pack } = await loadSettings(opts);
      for (const rule of pack.rules) {
        process.stdout.write(`${rule.id.padEnd(26)} ${rule.meta.severity.padEnd(8)} ${rule.summary}\n`);
        if (opts.long) process.stdout.write(`\n${rule.docs.trim()}\n\n`);
      }
    });
  registerMailCommands(program);
  registerGithubCommands(program);
  return program;
}

/** `--range`: the range's input and reader; inputs beside it are a usage error. */
async function rangeOf(spec: string | true, inputs: readonly string[], repo: string | undefined): Promise<Awaited<ReturnType<typeof rangeInput>>> {
  if (inputs.length > 0) throw new Error('check: give either --range or input files, not both');
  return rangeInput(spec === true ? undefined : spec, repo ?? '.', process.env, (line) => process.stderr.write(`patchsentry: ${line}\n`));
}

/** `-j`: a whole number from 0 to the cores of this machine (more only costs memory). */
function jobs(max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n > max) throw new InvalidArgumentError(`expected a whole number from 0 to ${max} (the cores of this machine)`);
    return n;
  };
}

/**
 * Colours only on a terminal, and never with --no-color, NO_COLOR set to anything
 * (https://no-color.org) or TERM=dumb.
 */
export function useColor(flag: boolean, out: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return flag && out.isTTY === true && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
}

/**
 * The text report's width: the terminal's; off a terminal $COLUMNS when set (as git and
 * less read it), else none: a report in a file or a pipe keeps each message on one line.
 */
export function textWidth(out: { readonly isTTY?: boolean; readonly columns?: number }, env: NodeJS.ProcessEnv): { width?: number } {
  const columns = out.isTTY === true && out.columns ? out.columns : /^\d+$/.test(env['COLUMNS'] ?? '') ? Number(env['COLUMNS']) : 0;
  return columns > 0 ? { width: Math.max(columns, 40) } : {};
}

/** The `N messages read` line on stderr, redrawn every 200 messages; cleared before the report. */
function progressBar(): { tick: (messages: number) => void; clear: () => void } {
  let last = 0;
  let shown = false;
  return {
    tick: (messages) => {
      if (messages - last < 200) return;
      last = messages;
      shown = true;
      process.stderr.write(`\r\u001b[K${messages} messages read`);
    },
    clear: () => {
      if (shown) process.stderr.write('\r\u001b[K');
      shown = false;
    },
  };
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  const program = buildProgram();
  // The reader went away (`patchsentry check archive.mbox | head`): stop at once and quietly,
  // with the status a shell gives a tool killed by SIGPIPE (128 + 13), as git and grep end.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.brokenPipe);
    // Any other failed write (a full disk, /dev/full, a quota): the report is lost, so say
    // so in one line and end with the usage/input status, never 1 ("findings").
    process.stderr.write(`patchsentry: cannot write the report: ${error.message.replace(/, write$/, '')}\n`);
    process.exit(EXIT.usage);
  });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    const err = error as { code?: string; exitCode?: number; message?: string };
    if (err.code === 'EPIPE') {
      process.exitCode = EXIT.brokenPipe;
      return;
    }
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      process.exitCode = 0;
      return;
    }
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
      process.exitCode = EXIT.usage;
      return;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`patchsentry: config: ${error.message}\n`);
      process.exitCode = EXIT.usage;
      return;
    }
    // A command's own errors already name it ("patchsentry serve: GITHUB_APP_ID is not set").
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${message.startsWith('patchsentry ') ? '' : 'patchsentry: '}${message}\n`);
    // The state database was busy (another patchsentry holds it): EX_TEMPFAIL, so that an MDA
    // (procmail, Postfix's pipe) keeps the message and delivers it again later, not bounces it.
    process.exitCode = (error as { temporary?: unknown }).temporary === true ? EXIT.tempfail : EXIT.usage;
  }
}

