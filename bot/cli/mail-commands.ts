import { closeSync, openSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_PACK, PACKS } from '../packs.js';
import { loadSettings } from '../config.js';
import { parseAddressList } from '../../src/ingest/message.js';
import type { Address } from '../../src/ingest/message.js';
import type { Severity } from '../../src/engine/finding.js';
import type { Maintainers } from '../../src/engine/maintainers.js';
import { readMaintainersFile } from '../maintainers-file.js';
import { REPLY_TO, type ReplyTo } from '../../src/report/recipients.js';
import { resolveUrl, SecretUrlError } from '../mail/secrets.js';
import { fileLog } from '../mail/log.js';
import type { MailRunOptions } from '../mail/run.js';

/**
 * The default state file, per user and never relative to the working directory (under an MTA
 * that is the mail queue): `$XDG_STATE_HOME/patchsentry/state.db`, else
 * `~/.local/state/patchsentry/state.db` (the XDG Base Directory spec ignores a relative
 * `XDG_STATE_HOME`). The directory is made 0700 when it is created.
 */
export function defaultStatePath(env: NodeJS.ProcessEnv, home: () => string = homedir): string {
  const xdg = env['XDG_STATE_HOME'];
  const base = xdg && isAbsolute(xdg) ? xdg : join(home(), '.local', 'state');
  return join(base, 'patchsentry', 'state.db');
}

interface SharedFlags {
  smtp?: string;
  from?: string;
  state?: string;
  log?: string;
  owner?: string;
  ownerMaildir?: string;
  out?: string;
  flushOlderThan?: number;
  minSeverity: Severity;
  perThread: number;
  perHour: number;
  config?: string;
  pack?: string;
  replyTo: ReplyTo;
  maintainers?: string;
}

/** `30s`, `30m`, `2h`, `1d`, or plain seconds → milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected a duration such as 0, 90s, 30m, 2h');
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(match[1]) * unit);
}

/** `2026-11-25`, `2026-11-25T09:00:00Z`, any date Date.parse reads → milliseconds. */
export function parseDate(value: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError('expected a date such as 2026-11-25 or 2026-11-25T09:00:00Z');
  return ms;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number above 0');
  return n;
}

function sharedOptions(command: Command): Command {
  return command
    .option('--smtp <url>', 'send replies through this SMTP server (smtp://user:pass@host:587, smtps://...); "env" reads $PATCHSENTRY_SMTP_URL, "@FILE" the first line of FILE. Without it: dry run')
    .option('--from <address>', 'the bot\'s address: From of the replies; mail from it is never answered (default patchsentry@<hostname>)')
    .option('--state <file>', 'state database (SQLite; default $XDG_STATE_HOME/patchsentry/state.db, else ~/.local/state/patchsentry/state.db)')
    .option('--log <file>', 'append one line per message (time, Message-ID, what was done) to FILE; under an MTA the only log there is')
    .option('--owner <address>', 'pass mail that people write to the bot (replies to its replies) on to this address')
    .option('--owner-maildir <dir>', 'store mail that people write to the bot in this Maildir')
    .option('--out <file>', 'dry run: append the replies to this mbox instead of stdout')
    .option('--flush-older-than <duration>', 'review an incomplete series once its newest message is this old (default 30m; 0 for a file input)', parseDuration)
    .addOption(new Option('--min-severity <severity>', 'reply only for findings at or above this').choices(['info', 'warning', 'error']).default('info'))
    .option('--per-thread <n>', 'replies per thread per day at most', positiveInt, 10)
    .option('--per-hour <n>', 'replies sent per hour at most; the rest wait in the outbox', positiveInt, 30)
    .option('-c, --config <file>', 'config file (default: ./.patchsentry.yml when present)')
    .option('--pack <name|module>', `rule pack: ${PACKS.map((p) => p.name).join(', ')}, or the path of a pack module (default: the config's pack:, else ${DEFAULT_PACK})`)
    .addOption(new Option('--reply-to <who>', 'who replies go to: the patch author; the author and the maintainers and reviewers of the files concerned (--maintainers); or the list, the author and those on Cc').choices([...REPLY_TO]).default('maintainers'))
    .option('--maintainers <file>', "Xen's MAINTAINERS file: replies go to the M: and R: people of the files the findings are on");
}

/** stderr, and with `--log FILE` that file too (with the time). */
function logger(flags: SharedFlags): { log: (line: string) => void; notice: (line: string) => void } {
  const notice = (line: string): void => void process.stderr.write(`patchsentry: ${line}\n`);
  if (flags.log === undefined) return { log: notice, notice };
  const file = fileLog(flags.log, () => new Date(), notice);
  return {
    log: (line) => {
      notice(line);
      file(line);
    },
    notice,
  };
}

async function resolveShared(flags: SharedFlags, env: NodeJS.ProcessEnv, logs = logger(flags)): Promise<MailRunOptions> {
  const address = (option: string, value: string): Address => parseAddressList(value)[0] ?? invalid(option, 'not an e-mail address');
  const maintainers = flags.maintainers === undefined ? undefined : readMaintainers(flags.maintainers, logs.notice);
  const from: Address = flags.from ? address('--from', flags.from) : { name: 'patchsentry', address: `patchsentry@${hostname()}` };
  return {
    ...(await loadSettings(flags)),
    from,
    stateFile: flags.state ?? defaultStatePath(env),
    smtp: flags.smtp === undefined ? null : resolveUrl(flags.smtp, '--smtp', 'PATCHSENTRY_SMTP_URL', env),
    out: process.stdout,
    ...(flags.out === undefined ? {} : { outFile: flags.smtp === undefined ? appendable('--out', flags.out) : flags.out }),
    quietMs: flags.flushOlderThan ?? 30 * 60_000,
    minSeverity: flags.minSeverity,
    perThread: flags.perThread,
    perHour: flags.perHour,
    replyTo: flags.replyTo,
    ...(maintainers ? { maintainers } : {}),
    owner: {
      ...(flags.owner === undefined ? {} : { address: address('--owner', flags.owner).address }),
      ...(flags.ownerMaildir === undefined ? {} : { maildir: flags.ownerMaildir }),
    },
    log: logs.log,
    notice: logs.notice,
    now: () => Date.now(),
  };
}

/** `--maintainers FILE`, read; a line it cannot use is logged (the rest still counts). */
function readMaintainers(path: string, log: (line: string) => void): Maintainers {
  try {
    return readMaintainersFile(path, log);
  } catch (error) {
    // A file it cannot read (or that is no MAINTAINERS) is a fault of the machine, not of the
    // command line: `mail` exits 75 (the MTA keeps the post while the admin puts it back).
    throw new Error((error as Error).message);
  }
}

/** A usage mistake found in an action: main() prints it and exits 2. */
export class MailUsageError extends Error {
  override name = 'MailUsageError';
}

/**
 * A fault of `mail` at run time, whatever it was (a state it cannot open or write, a full
 * disk, a file it cannot read, a config it cannot load): exit 75, EX_TEMPFAIL of sysexits.h.
 * An MTA (Postfix's local and pipe, procmail, sendmail) then keeps the message queued and
 * delivers it again later, where exit 2 would bounce a list post back to its author.
 */
export class MailTempFail extends Error {
  override name = 'MailTempFail';
  readonly temporary = true;
}

/** The command line itself is wrong: the one case `mail` exits 2 (the MTA bounces). */
function isUsage(error: unknown): boolean {
  if (error instanceof MailUsageError) return true;
  if (error instanceof SecretUrlError) return error.usage;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('commander.');
}

function invalid(option: string, reason: string): never {
  throw new MailUsageError(`${option}: ${reason}`);
}

/**
 * `--out` is the user's own choice of file (never a name taken from a message): opened for
 * appending now, so a directory or a missing parent is a usage error before anything is read,
 * not an unhandled stream error after.
 */
function appendable(option: string, path: string): string {
  try {
    closeSync(openSync(path, 'a'));
  } catch (error) {
    invalid(option, `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return path;
}

/** Registers `mail` and `watch` (docs/mail-bot.md) on the program. */
export function registerMailCommands(program: Command, env: NodeJS.ProcessEnv = process.env): void {
  sharedOptions(
    program
      .command('mail')
      .description('review one message or an mbox (- or nothing: stdin, as an MDA pipes it) and answer patches that break the policy with a threaded reply')
      .argument('[input]', 'a message, an mbox (.gz too), or - for stdin', '-'),
  ).action(async (input: string, flags: SharedFlags) => {
    const logs = logger(flags);
    try {
      const options = await resolveShared(flags, env, logs);
      // A file is read whole: what is incomplete in it will not complete later.
      const flushAll = input !== '-' && flags.flushOlderThan === undefined;
      // Loaded on use: SQLite and nodemailer cost the other commands' start-up nothing.
      const { runMail } = await import('../mail/run.js');
      await runMail(input, { ...options, flushAll });
    } catch (error) {
      if (isUsage(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      // main() prints it; the log file (the only log under an MTA) gets it too.
      if (flags.log !== undefined) fileLog(flags.log, () => new Date(), () => undefined)(`error: ${reason}; exit 75 (EX_TEMPFAIL): the MTA keeps the message and delivers it again later`);
      throw new MailTempFail(reason);
    }
  });

  sharedOptions(
    program
      .command('watch')
      .description('run as the list bot: watch a Maildir, an IMAP mailbox or a public-inbox archive, review new mail, send replies; stops on SIGTERM')
      .option('--maildir <dir>', 'the Maildir to watch (new/ and cur/ are read; handled mail in new/ moves to cur/)')
      .option('--imap <url>', 'the IMAP mailbox: imap://user:pass@host:143/INBOX or imaps://...; "env" reads $PATCHSENTRY_IMAP_URL, "@FILE" the first line of FILE')
      .option('--public-inbox <dir>', 'a public-inbox v2 archive (a lore mirror: DIR/git/<N>.git) to follow, see docs/public-inbox.md')
      .option('--since <date>', 'with --public-inbox, on the first run: review the messages dated from DATE on (default: from now)', parseDate)
      .option('--poll <duration>', 'longest wait between two looks at the mailbox', parseDuration, 30_000)
      .addOption(
        new Option('--backlog <what>', 'the first watch of a mailbox on a state: skip = record the mail already there as seen, without replies; review = answer it').choices(['skip', 'review']).default('skip'),
      ),
  ).action(async (flags: SharedFlags & { maildir?: string; imap?: string; publicInbox?: string; since?: number; poll: number; backlog: 'skip' | 'review' }) => {
    if ([flags.maildir, flags.imap, flags.publicInbox].filter((v) => v !== undefined).length !== 1) invalid('watch', 'give exactly one of --maildir DIR, --imap URL or --public-inbox DIR');
    if (flags.since !== undefined && flags.publicInbox === undefined) invalid('--since', 'only with --public-inbox');
    const options = await resolveShared(flags, env);
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      const { runWatchCommand } = await import('../mail/run.js');
      await runWatchCommand({
        ...options,
        ...(flags.maildir === undefined ? {} : { maildir: flags.maildir }),
        ...(flags.imap === undefined ? {} : { imap: resolveUrl(flags.imap, '--imap', 'PATCHSENTRY_IMAP_URL', env) }),
        ...(flags.publicInbox === undefined ? {} : { publicInbox: flags.publicInbox }),
        ...(flags.since === undefined ? {} : { since: flags.since }),
        pollMs: flags.poll,
        backlog: flags.backlog,
        signal: controller.signal,
      });
    } finally {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    }
  });
}
