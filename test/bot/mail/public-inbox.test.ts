// `watch --public-inbox`: a REAL public-inbox v2 archive, made and fed by Debian's public-inbox
// tools (public-inbox-init -V2, public-inbox-mda, public-inbox-learn rm; installed by scripts/install-test-deps.sh),
// mirrored with `git clone --mirror` / `git fetch` as grokmirror mirrors lore, and followed by
// the built CLI with a real SMTP server on loopback. The follower is SIGKILLed mid-way and
// started again: each violating patch is answered exactly once, nothing else is, and what was
// in the archive before the first start is not reviewed (a fresh follower starts from now).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type Proc } from '../../support/cli.js';
import { fixture } from '../../ingest/read.js';
import { headersOf } from './support/smtp.js';
import { GateSmtpServer, inReplyTo, repliesPer } from './support/load.js';

const ADDR = 'xen-devel@lists.example.org';
let dir: string;
let home: string;
let inbox: string;
let mirror: string;
let smtp: GateSmtpServer;
const running: Proc[] = [];

function tool(name: string, args: readonly string[], input?: Buffer): void {
  const run = spawnSync(name, args, { input, env: { PATH: process.env['PATH'] ?? '', HOME: home, ORIGINAL_RECIPIENT: ADDR, LC_ALL: 'C.UTF-8' }, encoding: 'utf8' });
  if (run.error) throw new Error(`${name}: ${run.error.message} (scripts/install-test-deps.sh installs public-inbox; npm test runs it first)`);
  if (run.status !== 0) throw new Error(`${name} ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
}

/** The mirror catches up with the archive, as a grokmirror pull does (nothing rewritten). */
function pull(): void {
  execFileSync('git', ['--git-dir', join(mirror, 'git/0.git'), 'fetch', '--quiet', 'origin'], { env: { PATH: process.env['PATH'] ?? '', HOME: home } });
}

function deliver(raw: Buffer): void {
  tool('public-inbox-mda', ['--no-precheck'], raw);
  pull();
}

/** A violating patch of its own: a DOMCTL named after `n` (a different diff each, so no two are "the same patch re-sent"). */
function violating(n: number): { id: string; raw: Buffer } {
  const id = `<20261201.${n}-1-jane.dev@example.org>`;
  const text = fixture('mail/domctl-violation.patch')
    .toString('utf8')
    .replace(/^Message-Id: .*$/m, `Message-Id: ${id}`)
    .replace(/XEN_DOMCTL_altp2m_get_views/g, `XEN_DOMCTL_altp2m_get_views${n}`);
  return { id, raw: Buffer.from(text) };
}

function clean(n: number): { id: string; raw: Buffer } {
  const id = `<20261201.${n}-clean@example.org>`;
  const text = fixture('mail/clean.patch').toString('utf8').replace(/^Message-Id: .*$/m, `Message-Id: ${id}`).replace(/^Subject: (.*)$/m, `Subject: $1 (${n})`);
  return { id, raw: Buffer.from(text) };
}

function watch(state: string): Proc {
  const proc = startCli(
    ['watch', '--public-inbox', mirror, '--state', state, '--smtp', `smtp://127.0.0.1:${smtp.port}`, '--from', 'patchsentry <bot@example.org>', '--poll', '1s', '--flush-older-than', '0'],
    { cwd: dir, env: { PATH: process.env['PATH'] ?? '', HOME: home }, killAfterMs: 240_000 },
  );
  running.push(proc);
  return proc;
}

async function until(test: () => boolean, what: string, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; replies: ${JSON.stringify([...repliesPer(smtp.accepted)])}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ps-public-inbox-'));
  home = join(dir, 'home');
  mkdirSync(home);
  inbox = join(dir, 'lore/xen-devel');
  mirror = join(dir, 'mirror/xen-devel');
  tool('public-inbox-init', ['-V2', 'xen-devel', inbox, 'http://lore.example.org/xen-devel', ADDR]);
  // public-inbox-mda runs SpamAssassin unless told not to.
  execFileSync('git', ['config', '-f', join(home, '.public-inbox/config'), 'publicinboxmda.spamcheck', 'none']);
  smtp = new GateSmtpServer();
  await smtp.start();
});
afterAll(async () => {
  for (const p of running) if (p.running) p.child.kill('SIGKILL');
  await smtp.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('watch --public-inbox', () => {
  it('follows a real v2 archive through a mirror, is killed and restarted, and answers each violating patch exactly once', async () => {
    // Already in the archive before the follower first starts: not reviewed.
    const old = violating(0);
    tool('public-inbox-mda', ['--no-precheck'], old.raw);
    mkdirSync(join(mirror, 'git'), { recursive: true });
    execFileSync('git', ['clone', '--quiet', '--mirror', join(inbox, 'git/0.git'), join(mirror, 'git/0.git')], { env: { PATH: process.env['PATH'] ?? '', HOME: home } });
    expect(existsSync(join(mirror, 'git/0.git/HEAD'))).toBe(true);

    const state = join(dir, 'state.db');
    let bot = watch(state);
    await bot.waitFor(/public-inbox: following from now; the 1 messages already in .* are not reviewed/);
    await bot.waitFor(/watching /);

    const v = [1, 2, 3, 4, 5].map(violating);
    const c = [1, 2, 3].map(clean);
    // The server takes the first reply, and holds the next one unanswered: the follower is
    // SIGKILLed in the middle of that send (the reply not accepted, so still owed).
    let held: string | null = null;
    smtp.gate = (raw) => {
      if (smtp.accepted.length === 0) return true;
      held ??= inReplyTo(raw) ?? '(none)';
      return false;
    };
    for (const m of [v[0]!, c[0]!, v[1]!, v[2]!]) deliver(m.raw);
    await until(() => held !== null, 'a reply held by the server');
    bot.child.kill('SIGKILL');
    expect((await bot.exited).signal).toBe('SIGKILL');
    expect(repliesPer(smtp.accepted).size).toBe(1);
    smtp.gate = () => true;

    // While it is down: more mail, and a deletion (the clean patch removed from the archive).
    for (const m of [c[1]!, v[3]!]) deliver(m.raw);
    tool('public-inbox-learn', ['rm'], c[0]!.raw);
    pull();
    // A fetch that brings nothing new rewrites nothing either.
    pull();

    bot = watch(state);
    await bot.waitFor(/watching /);
    await until(() => v.slice(0, 4).every((m) => repliesPer(smtp.accepted).has(m.id)), 'replies to the four violating patches');
    await bot.waitFor(/deletes a message: skipped/);
    // One more of each after the restart; the clean one last: once it is logged, all before it were handled.
    deliver(v[4]!.raw);
    deliver(c[2]!.raw);
    await until(() => repliesPer(smtp.accepted).has(v[4]!.id), 'the reply to the fifth');
    await bot.waitFor(new RegExp(`${c[2]!.id.replace(/[.<>]/g, '\\$&')} .* clean`));
    const run = await bot.stop();
    expect(run.code, run.stderr).toBe(0);

    const per = repliesPer(smtp.accepted);
    for (const m of v) expect(per.get(m.id), `replies to ${m.id}`).toBe(1);
    expect(per.has(old.id)).toBe(false);
    for (const m of c) expect(per.has(m.id)).toBe(false);
    expect([...per.keys()].sort()).toEqual(v.map((m) => m.id).sort());
    // Threaded replies, to the author.
    const first = headersOf(smtp.accepted.find((raw) => inReplyTo(raw) === v[0]!.id)!);
    expect(first.get('subject')).toBe('Re: [PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views1');
    expect(first.get('to')).toContain('jane.dev@example.org');
    expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
  }, 300_000);

  it('--since backfills what a fresh follower would skip; a bad archive or date is a usage error', async () => {
    // A second follower with its own state: the archive now holds everything of the test above.
    smtp.accepted.length = 0;
    const state = join(dir, 'state-since.db');
    const bot = startCli(
      ['watch', '--public-inbox', mirror, '--since', '2026-11-01', '--state', state, '--smtp', `smtp://127.0.0.1:${smtp.port}`, '--from', 'bot@example.org', '--poll', '1s', '--flush-older-than', '0'],
      { cwd: dir, env: { PATH: process.env['PATH'] ?? '', HOME: home }, killAfterMs: 240_000 },
    );
    running.push(bot);
    await bot.waitFor(/reviewing the messages of .* dated from 2026-11-01T00:00:00.000Z on/);
    // violating(0) to (5), all dated 2026-11-25: six replies, the deleted message skipped.
    await until(() => repliesPer(smtp.accepted).size === 6, 'six replies');
    await bot.waitFor(/deletes a message: skipped/);
    await bot.stop();
    expect([...repliesPer(smtp.accepted).values()]).toEqual([1, 1, 1, 1, 1, 1]);

    const notInbox = mkdtempSync(join(tmpdir(), 'ps-not-inbox-'));
    writeFileSync(join(notInbox, 'x'), '');
    const bad = await startCli(['watch', '--public-inbox', notInbox, '--state', join(dir, 'bad.db')], { cwd: dir, killAfterMs: 60_000 }).exited;
    rmSync(notInbox, { recursive: true, force: true });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a public-inbox v2 archive');
    const badDate = await startCli(['watch', '--public-inbox', mirror, '--since', 'yesterday-ish', '--state', join(dir, 'bad.db')], { cwd: dir, killAfterMs: 60_000 }).exited;
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toMatch(/expected a date/);
  }, 300_000);
});
