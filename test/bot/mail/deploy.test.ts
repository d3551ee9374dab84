import { execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultStatePath } from '../../../bot/cli/mail-commands.js';
import { fixture, plainMail, withHeaders } from './support/messages.js';
import { headersOf, TestSmtpServer } from './support/smtp.js';
import { startCli } from '../../support/cli.js';

/**
 * The list bot as a list admin deploys it: under an MTA (`.forward`, procmail, a Postfix
 * pipe) with the built CLI, and as a `watch` over a Maildir a mail reader also uses.
 */
const PATCH_ID = '<20261125081244.4711-1-jane.dev@example.org>';
const PASS = 'S3CRETsmtpPass';

let dir: string;
let smtp: TestSmtpServer;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchsentry-deploy-'));
  smtp = new TestSmtpServer();
  await smtp.start();
});
afterEach(async () => {
  await smtp.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Running {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<Run>;
}

function start(args: string[], options: { stdin?: Buffer | null; env?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number } = {}): Running {
  const proc = startCli(args, {
    cwd: options.cwd ?? dir,
    env: { PATH: process.env['PATH'], HOME: join(dir, 'home'), ...options.env },
    uid: options.uid,
    gid: options.gid,
    // Without stdin the pipe stays open, as an MTA's would until it has written the message.
    ...(options.stdin === undefined ? { keepStdinOpen: true } : { stdin: options.stdin ?? '' }),
  });
  return { child: proc.child, stderr: () => proc.stderr, exited: proc.exited };
}

const cli = (args: string[], options: Parameters<typeof start>[1] = {}): Promise<Run> => start(args, { stdin: null, ...options }).exited;
const smtpUrl = (): string => `smtp://bot:${PASS}@127.0.0.1:${smtp.port}`;

async function waitFor(test: () => boolean, what: () => string, ms = 100_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting\n${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function nobody(): { uid: number; gid: number } {
  return { uid: Number(execFileSync('id', ['-u', 'nobody']).toString()), gid: Number(execFileSync('id', ['-g', 'nobody']).toString()) };
}

function maildir(name = 'Maildir'): string {
  const path = join(dir, name);
  for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(path, sub), { recursive: true });
  return path;
}

describe('mail under an MTA: the exit status never bounces a list post', { timeout: 240_000 }, () => {
  it('a state directory it may not write: exit 75 naming the state, no command line, no password; delivered once it is fixed', async () => {
    // As the MTA runs the command: as the bot's user (root could write anywhere).
    const user = nobody();
    const stateDir = join(dir, 'state');
    mkdirSync(stateDir, { mode: 0o700 });
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'patch.eml'), fixture('domctl-violation.patch'));
    const args = ['mail', '--smtp', smtpUrl(), '--state', join(stateDir, 'state.db'), '--log', join(dir, 'log', 'bot.log')];
    mkdirSync(join(dir, 'log'), { mode: 0o777 });
    chmodSync(join(dir, 'log'), 0o777);
    const run = await cli(args, { stdin: fixture('domctl-violation.patch'), ...user });
    expect(run.code, run.stderr).toBe(75);
    expect(run.stderr).toMatch(/^patchsentry: .*state[\s\S]*/);
    expect(run.stderr).toContain(join(stateDir, 'state.db'));
    expect(run.stderr).not.toContain(PASS);
    expect(run.stderr).not.toContain('--smtp');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(smtp.received).toHaveLength(0);
    // The log (the only one under an MTA) says what happened, and that the MTA will retry.
    expect(readFileSync(join(dir, 'log', 'bot.log'), 'utf8')).toMatch(/^\d{4}-\d\d-\d\dT\S+Z error: .*state\.db.*exit 75 \(EX_TEMPFAIL\)/m);
    // The admin fixes the directory; the MTA's retry answers the patch.
    chownSync(stateDir, user.uid, user.gid);
    const retry = await cli(args, { stdin: fixture('domctl-violation.patch'), ...user });
    expect(retry.code, retry.stderr).toBe(0);
    expect(smtp.received).toHaveLength(1);
  });

  it('a state file that is not a database (corrupt): exit 75', async () => {
    const state = join(dir, 'state.db');
    writeFileSync(state, 'this is not an SQLite database, it was overwritten by mistake\n'.repeat(100));
    const run = await cli(['mail', '--smtp', smtpUrl(), '--state', state], { stdin: fixture('domctl-violation.patch') });
    expect(run.code, run.stderr).toBe(75);
    expect(run.stderr).toContain(state);
    expect(smtp.received).toHaveLength(0);
  });

  it('a state directory that does not exist yet is made, mode 0700', async () => {
    const state = join(dir, 'a', 'b', 'state.db');
    const run = await cli(['mail', '--smtp', smtpUrl(), '--state', state], { stdin: fixture('domctl-violation.patch') });
    expect(run.code, run.stderr).toBe(0);
    expect(statSync(join(dir, 'a', 'b')).mode & 0o777).toBe(0o700);
    expect(smtp.received).toHaveLength(1);
  });

  it('a full disk: exit 75, and the post is answered once there is room', async (context) => {
    const disk = join(dir, 'disk');
    mkdirSync(disk);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk], { stdio: 'pipe' });
    } catch (error) {
      // Needs root and CAP_SYS_ADMIN (.ci/run has both); said, not silent.
      context.skip(`cannot mount a small tmpfs to fill: ${(error as Error).message.split('\n')[0]}`);
    }
    try {
      const state = join(disk, 'state.db');
      // A state with something in it, then the disk filled to the last byte.
      expect((await cli(['mail', '--smtp', smtpUrl(), '--state', state], { stdin: plainMail('<hello@example.org>', 'hello') })).code).toBe(0);
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${join(disk, 'filler')}`, 'bs=4k'], { stdio: 'pipe' });
      } catch {
        // dd ends with "No space left on device": that is the point
      }
      const run = await cli(['mail', '--smtp', smtpUrl(), '--state', state], { stdin: fixture('domctl-violation.patch') });
      expect(run.code, run.stderr).toBe(75);
      expect(run.stderr).toMatch(/disk|full|space/i);
      expect(smtp.received).toHaveLength(0);
      rmSync(join(disk, 'filler'));
      const retry = await cli(['mail', '--smtp', smtpUrl(), '--state', state], { stdin: fixture('domctl-violation.patch') });
      expect(retry.code, retry.stderr).toBe(0);
      expect(smtp.received).toHaveLength(1);
    } finally {
      execFileSync('umount', [disk]);
    }
  });

  it('a message it cannot make sense of is stored and logged, exit 0 (a redelivery is a duplicate)', async () => {
    const state = join(dir, 'state.db');
    const garbage = Buffer.from([0, 1, 2, 255, 254, 10, 13, 0, 0x80, 0x81, 10]);
    const run = await cli(['mail', '--smtp', smtpUrl(), '--state', state, '--log', join(dir, 'bot.log')], { stdin: garbage });
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(dir, 'bot.log'), 'utf8')).toMatch(/stdin sha256:[0-9a-f]{64} "" error: /);
    const again = await cli(['mail', '--smtp', smtpUrl(), '--state', state], { stdin: garbage });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('duplicate');
  });

  it('an SMTP URL file it cannot read, or a config it cannot load: 75 (the environment); a bad option: 2', async () => {
    const state = join(dir, 'state.db');
    const noFile = await cli(['mail', '--smtp', `@${join(dir, 'missing-url')}`, '--state', state], { stdin: fixture('domctl-violation.patch') });
    expect(noFile.code, noFile.stderr).toBe(75);
    expect(noFile.stderr).toContain(`--smtp: cannot read ${join(dir, 'missing-url')}`);
    writeFileSync(join(dir, 'bad.yml'), 'rules: [this is: not valid\n');
    const badConfig = await cli(['mail', '--smtp', smtpUrl(), '--state', state, '-c', join(dir, 'bad.yml')], { stdin: fixture('domctl-violation.patch') });
    expect(badConfig.code, badConfig.stderr).toBe(75);
    const badOption = await cli(['mail', '--per-thread', 'zero', '--state', state], { stdin: fixture('domctl-violation.patch') });
    expect(badOption.code).toBe(2);
    const notAUrl = await cli(['mail', '--smtp', `bot:${PASS}@127.0.0.1`, '--state', state], { stdin: fixture('domctl-violation.patch') });
    expect(notAUrl.code).toBe(2);
    expect(notAUrl.stderr).not.toContain(PASS);
    expect(smtp.received).toHaveLength(0);
  });
});

describe('the default state file', { timeout: 240_000 }, () => {
  it('is $XDG_STATE_HOME/patchsentry/state.db, else ~/.local/state/patchsentry/state.db; never relative', () => {
    expect(defaultStatePath({ XDG_STATE_HOME: '/var/lib/bot/state' }, () => '/home/bot')).toBe('/var/lib/bot/state/patchsentry/state.db');
    expect(defaultStatePath({}, () => '/home/bot')).toBe('/home/bot/.local/state/patchsentry/state.db');
    // The XDG spec: a relative path in the variable is invalid and ignored.
    expect(defaultStatePath({ XDG_STATE_HOME: 'state' }, () => '/home/bot')).toBe('/home/bot/.local/state/patchsentry/state.db');
  });

  it('a run in another working directory (the MTA\'s queue) keeps its state there, made 0700', async () => {
    const queue = join(dir, 'queue');
    mkdirSync(queue);
    for (const env of [{ XDG_STATE_HOME: join(dir, 'xdg') }, {}]) {
      const run = await cli(['mail', '--smtp', smtpUrl()], { stdin: fixture('domctl-violation.patch'), cwd: queue, env });
      expect(run.code, run.stderr).toBe(0);
    }
    expect(readdirSync(queue)).toEqual([]);
    expect(existsSync(join(dir, 'xdg', 'patchsentry', 'state.db'))).toBe(true);
    expect(statSync(join(dir, 'xdg', 'patchsentry')).mode & 0o777).toBe(0o700);
    expect(existsSync(join(dir, 'home', '.local', 'state', 'patchsentry', 'state.db'))).toBe(true);
    expect(statSync(join(dir, 'home', '.local', 'state', 'patchsentry')).mode & 0o777).toBe(0o700);
    // Two states, so two replies; a third run on the first state sends nothing.
    expect(smtp.received).toHaveLength(2);
    const again = await cli(['mail', '--smtp', smtpUrl()], { stdin: fixture('domctl-violation.patch'), cwd: queue, env: { XDG_STATE_HOME: join(dir, 'xdg') } });
    expect(again.stderr).toContain('duplicate');
    expect(smtp.received).toHaveLength(2);
  });
});

describe('--log FILE', { timeout: 240_000 }, () => {
  it('appends one timestamped line per message with its Message-ID and what was done, and survives logrotate', async () => {
    const log = join(dir, 'bot.log');
    const args = ['mail', '--smtp', smtpUrl(), '--state', join(dir, 'state.db'), '--log', log];
    expect((await cli(args, { stdin: fixture('domctl-violation.patch') })).code).toBe(0);
    expect((await cli(args, { stdin: fixture('clean.patch') })).code).toBe(0);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    const stamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;
    for (const line of lines) expect(line).toMatch(stamp);
    expect(lines.filter((l) => l.includes(`stdin ${PATCH_ID} "[PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views" replied <patchsentry.`))).toHaveLength(1);
    expect(lines.filter((l) => / sent <patchsentry\.\S+> in reply to <20261125081244\.4711-1-jane\.dev@example\.org> to /.test(l))).toHaveLength(1);
    expect(lines.filter((l) => / clean$/.test(l))).toHaveLength(1);
    expect(readFileSync(log, 'utf8')).not.toContain(PASS);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    // logrotate (without copytruncate) renames the file; the next run writes a new one.
    renameSync(log, `${log}.1`);
    expect((await cli(args, { stdin: fixture('domctl-violation.patch') })).code).toBe(0);
    expect(readFileSync(log, 'utf8')).toMatch(new RegExp(`${stamp.source.slice(1)}stdin ${PATCH_ID.replace(/[.<>]/g, '\\$&')} .* duplicate\\n$`));
    expect(readFileSync(`${log}.1`, 'utf8').trim().split('\n')).toEqual(lines);
  });
});

describe('watch --maildir beside a mail reader', { timeout: 240_000 }, () => {
  it('answers what lands in cur/ too, skips what the state has, and a restart answers nothing twice', async () => {
    const box = maildir();
    const state = join(dir, 'state.db');
    const args = ['watch', '--maildir', box, '--smtp', smtpUrl(), '--state', state, '--from', 'patchsentry <bot@example.org>', '--poll', '200ms'];
    let watch = start(args);
    await waitFor(() => watch.stderr().includes('watching'), watch.stderr);
    // An IMAP client (through Dovecot) has already shown it and moved it to cur/.
    writeFileSync(join(box, 'tmp', '1764000100.1.host'), fixture('domctl-violation.patch'));
    renameSync(join(box, 'tmp', '1764000100.1.host'), join(box, 'cur', '1764000100.1.host:2,S'));
    await waitFor(() => smtp.received.length === 1, watch.stderr);
    expect(headersOf(smtp.received[0]!.raw).get('in-reply-to')).toBe(PATCH_ID);
    // Left where the reader put it, flags and all.
    expect(readdirSync(join(box, 'cur'))).toEqual(['1764000100.1.host:2,S']);
    watch.child.kill('SIGTERM');
    expect((await watch.exited).code).toBe(0);
    // The reader changes its flags meanwhile; a new watch on the same state says nothing of it.
    renameSync(join(box, 'cur', '1764000100.1.host:2,S'), join(box, 'cur', '1764000100.1.host:2,RS'));
    writeFileSync(join(box, 'new', '1764000200.2.host'), fixture('domctl-handler.patch'));
    watch = start(args);
    await waitFor(() => smtp.received.length === 2, watch.stderr);
    expect(headersOf(smtp.received[1]!.raw).get('in-reply-to')).toBe('<20261125081245.4711-2-jane.dev@example.org>');
    watch.child.kill('SIGTERM');
    const end = await watch.exited;
    expect(end.code).toBe(0);
    expect(end.stderr).not.toContain('1764000100.1.host');
    expect(smtp.received).toHaveLength(2);
  });

  it('a reader moving files between new/ and cur/ while the watch reads: each message handled once, no error', async () => {
    const box = maildir();
    const n = 40;
    const args = ['watch', '--maildir', box, '--smtp', smtpUrl(), '--state', join(dir, 'state.db'), '--from', 'patchsentry <bot@example.org>', '--poll', '100ms', '--per-hour', '1000', '--per-thread', '1000'];
    const watch = start(args);
    await waitFor(() => watch.stderr().includes('watching'), watch.stderr);
    let moving = true;
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = `${1764000000 + i}.M${i}P1.host`;
      names.push(name);
      writeFileSync(join(box, 'new', name), plainMail(`<race-${i}@example.org>`, `race ${i}`));
    }
    // The reader: moves each file to cur/, then renames it there as it changes flags.
    const reader = (async () => {
      let round = 0;
      while (moving) {
        for (const name of names) {
          const flags = ['S', 'RS', 'FS'][round % 3];
          for (const sub of ['new', 'cur']) {
            for (const file of readdirSync(join(box, sub)).filter((f) => f.split(':')[0] === name)) {
              try {
                renameSync(join(box, sub, file), join(box, 'cur', `${name}:2,${flags}`));
              } catch {
                // the bot moved it first
              }
            }
          }
        }
        round++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    await waitFor(() => names.every((_, i) => watch.stderr().includes(`<race-${i}@example.org>`)), watch.stderr);
    moving = false;
    await reader;
    watch.child.kill('SIGTERM');
    const end = await watch.exited;
    expect(end.code).toBe(0);
    for (let i = 0; i < n; i++) expect(end.stderr.match(new RegExp(`<race-${i}@example\\.org>`, 'g')), `race-${i}`).toHaveLength(1);
    expect(end.stderr).not.toMatch(/error:|ENOENT/);
    // Nothing lost or duplicated in the Maildir either.
    expect([...readdirSync(join(box, 'new')), ...readdirSync(join(box, 'cur'))].map((f) => f.split(':')[0]).sort()).toEqual([...names].sort());
  });
});

describe('watch on a fresh state starts from now', { timeout: 240_000 }, () => {
  it('records the Maildir backlog as seen without replies; --backlog review answers it', async () => {
    const box = maildir();
    writeFileSync(join(box, 'new', '1764000000.1.host'), fixture('domctl-violation.patch'));
    writeFileSync(join(box, 'cur', '1764000001.2.host:2,S'), fixture('domctl-handler.patch'));
    const state = join(dir, 'state.db');
    const args = ['watch', '--maildir', box, '--smtp', smtpUrl(), '--state', state, '--from', 'patchsentry <bot@example.org>', '--poll', '200ms'];
    let watch = start(args);
    await waitFor(() => (watch.stderr().match(/skipped: in the mailbox before the first watch/g) ?? []).length === 2, watch.stderr);
    // New mail after the start is answered.
    // (Another diff: the same one re-posted would be answered as a re-send, not reviewed.)
    const another = fixture('domctl-violation.patch').toString().replaceAll('get_views', 'list_views');
    writeFileSync(join(box, 'new', '1764000300.3.host'), withHeaders(another, { 'Message-Id': '<after-start@example.org>' }));
    await waitFor(() => smtp.received.length === 1, watch.stderr);
    expect(headersOf(smtp.received[0]!.raw).get('in-reply-to')).toBe('<after-start@example.org>');
    watch.child.kill('SIGTERM');
    expect((await watch.exited).code).toBe(0);
    // A restart on the same state is not a first watch: still nothing for the backlog.
    watch = start(args);
    await waitFor(() => watch.stderr().includes('watching'), watch.stderr);
    watch.child.kill('SIGTERM');
    expect((await watch.exited).stderr).not.toMatch(/replied|skipped/);
    expect(smtp.received).toHaveLength(1);

    // The same Maildir watched with a new state and --backlog review: both are answered.
    const review = start(['watch', '--maildir', box, '--smtp', smtpUrl(), '--state', join(dir, 'other.db'), '--poll', '200ms', '--backlog', 'review']);
    await waitFor(() => smtp.received.length === 4, review.stderr);
    review.child.kill('SIGTERM');
    expect((await review.exited).code).toBe(0);
    expect(smtp.received.slice(1).map((m) => headersOf(m.raw).get('in-reply-to')).sort()).toEqual(['<20261125081244.4711-1-jane.dev@example.org>', '<20261125081245.4711-2-jane.dev@example.org>', '<after-start@example.org>']);
  });
});

describe('dry runs change nothing', { timeout: 240_000 }, () => {
  it('a dry-run watch says "would", moves nothing out of new/ and leaves the state file as it was', async () => {
    const box = maildir();
    const state = join(dir, 'state.db');
    // A state that exists (a real watch ran before, on an empty Maildir).
    let real = start(['watch', '--maildir', box, '--smtp', smtpUrl(), '--state', state, '--poll', '200ms']);
    await waitFor(() => real.stderr().includes('watching'), real.stderr);
    real.child.kill('SIGTERM');
    expect((await real.exited).code).toBe(0);
    const before = readFileSync(state);
    writeFileSync(join(box, 'new', '1764000000.1.host'), fixture('domctl-violation.patch'));
    const dry = start(['watch', '--maildir', box, '--state', state, '--out', join(dir, 'dry.mbox'), '--poll', '200ms']);
    await waitFor(() => / would send <patchsentry\.\S+> in reply to </.test(dry.stderr()), dry.stderr);
    dry.child.kill('SIGTERM');
    const end = await dry.exited;
    expect(end.code).toBe(0);
    expect(end.stderr).toMatch(/1764000000\.1\.host <20261125081244\.4711-1-jane\.dev@example\.org> .* would reply \(dry run\)/);
    expect(end.stderr).not.toMatch(/^patchsentry: sent | sent </m);
    expect(readdirSync(join(box, 'new'))).toEqual(['1764000000.1.host']);
    expect(readdirSync(join(box, 'cur'))).toEqual([]);
    expect(readFileSync(state).equals(before)).toBe(true);
    expect(readFileSync(join(dir, 'dry.mbox'), 'utf8')).toContain(`In-Reply-To: ${PATCH_ID}`);
    // So the real run that follows answers it.
    real = start(['watch', '--maildir', box, '--smtp', smtpUrl(), '--state', state, '--poll', '200ms']);
    await waitFor(() => smtp.received.length === 1, real.stderr);
    real.child.kill('SIGTERM');
    expect((await real.exited).code).toBe(0);
    expect(readdirSync(join(box, 'new'))).toEqual([]);
  });

  it('a dry-run mail says "would send", never "sent" or "written"', async () => {
    const run = await cli(['mail', '--state', join(dir, 'state.db')], { stdin: fixture('domctl-violation.patch') });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/would reply \(dry run\)/);
    expect(run.stderr).toMatch(/would send <patchsentry\.\S+> in reply to <20261125081244\.4711-1-jane\.dev@example\.org> to .* \(dry run: written to stdout\)/);
    expect(run.stderr).not.toMatch(/\b(sent|written) </);
    expect(existsSync(join(dir, 'state.db'))).toBe(false);
  });
});

describe('mail people write to the bot', { timeout: 240_000 }, () => {
  /** A person's answer to the bot's reply (as a mail client writes it). */
  function answer(replyId: string, id = '<jane-answers@example.org>'): Buffer {
    return Buffer.from(
      `From: Jane Developer <jane.dev@example.org>\nTo: patchsentry <bot@example.org>\nCc: xen-devel@lists.example.org\n` +
        `Subject: Re: [PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views\nMessage-ID: ${id}\nIn-Reply-To: ${replyId}\nReferences: ${PATCH_ID} ${replyId}\n` +
        `Date: Wed, 25 Nov 2026 12:00:00 +0000\n\nThe external use case is dom0 only; why not a DOMCTL?\n`,
    );
  }

  it('--owner: a reply to the bot\'s reply is sent on to the owner once, unchanged with Resent- fields, and logged', async () => {
    const state = join(dir, 'state.db');
    const log = join(dir, 'bot.log');
    const args = ['mail', '--smtp', smtpUrl(), '--state', state, '--from', 'patchsentry <bot@example.org>', '--owner', 'List Admin <admin@example.org>', '--log', log];
    expect((await cli(args, { stdin: fixture('domctl-violation.patch') })).code).toBe(0);
    const replyId = headersOf(smtp.received[0]!.raw).get('message-id')!;
    const mail = answer(replyId);
    for (let i = 0; i < 2; i++) expect((await cli(args, { stdin: mail })).code).toBe(0);
    expect(smtp.received).toHaveLength(2);
    const forwarded = smtp.received[1]!;
    expect(forwarded.to).toEqual(['admin@example.org']);
    expect(forwarded.from).toBe('bot@example.org');
    const h = headersOf(forwarded.raw);
    expect(h.get('resent-to')).toBe('admin@example.org');
    expect(h.get('resent-from')).toBe('bot@example.org');
    expect(h.get('message-id')).toBe('<jane-answers@example.org>');
    expect(forwarded.raw).toContain('why not a DOMCTL?');
    const text = readFileSync(log, 'utf8');
    expect(text).toMatch(/stdin <jane-answers@example\.org> ".*" a reply to the bot from Jane Developer <jane\.dev@example\.org>: sent on to admin@example\.org/);
    expect(text).toMatch(/already passed on to admin@example\.org/);
  });

  it('--owner-maildir: mail To the bot is stored there once; without either it is still logged; a dry run stores nothing', async () => {
    const state = join(dir, 'state.db');
    const owner = join(dir, 'owner');
    const direct = Buffer.from(`From: Tamas <tamas@example.net>\nTo: bot@example.org\nSubject: question\nMessage-ID: <to-bot@example.net>\n\nCan you also check xl.cfg?\n`);
    const dry = await cli(['mail', '--state', state, '--from', 'bot@example.org', '--owner-maildir', owner], { stdin: direct });
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(`mail to the bot from Tamas <tamas@example.net>: would store it in ${owner}`);
    expect(existsSync(owner)).toBe(false);
    const args = ['mail', '--smtp', smtpUrl(), '--state', state, '--from', 'bot@example.org', '--owner-maildir', owner];
    for (let i = 0; i < 2; i++) expect((await cli(args, { stdin: direct })).code).toBe(0);
    const stored = readdirSync(join(owner, 'new'));
    expect(stored).toHaveLength(1);
    expect(readFileSync(join(owner, 'new', stored[0]!), 'utf8')).toContain('Can you also check xl.cfg?');
    const none = await cli(['mail', '--smtp', smtpUrl(), '--state', join(dir, 'other.db'), '--from', 'bot@example.org'], { stdin: direct });
    expect(none.code).toBe(0);
    expect(none.stderr).toMatch(/<to-bot@example\.net> "question" mail to the bot from Tamas <tamas@example\.net>: no --owner or --owner-maildir/);
    expect(smtp.received).toHaveLength(0);
  });
  it('watch --maildir: an answer to the bot\'s reply is stored in --owner-maildir, once', async () => {
    const box = maildir();
    const owner = join(dir, 'owner');
    const args = ['watch', '--maildir', box, '--smtp', smtpUrl(), '--state', join(dir, 'state.db'), '--from', 'patchsentry <bot@example.org>', '--owner-maildir', owner, '--poll', '200ms'];
    const watch = start(args);
    await waitFor(() => watch.stderr().includes('watching'), watch.stderr);
    writeFileSync(join(box, 'new', '1764000100.1.host'), fixture('domctl-violation.patch'));
    await waitFor(() => smtp.received.length === 1, watch.stderr);
    const replyId = headersOf(smtp.received[0]!.raw).get('message-id')!;
    writeFileSync(join(box, 'new', '1764000200.2.host'), answer(replyId));
    await waitFor(() => existsSync(join(owner, 'new')) && readdirSync(join(owner, 'new')).length === 1 && watch.stderr().includes('<jane-answers@example.org>'), watch.stderr);
    watch.child.kill('SIGTERM');
    const end = await watch.exited;
    expect(end.code).toBe(0);
    expect(end.stderr).toMatch(/1764000200\.2\.host <jane-answers@example\.org> ".*" a reply to the bot from Jane Developer <jane\.dev@example\.org>: stored in /);
    expect(readFileSync(join(owner, 'new', readdirSync(join(owner, 'new'))[0]!), 'utf8')).toContain('why not a DOMCTL?');
    expect(smtp.received).toHaveLength(1);
  });
});
