import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, withHeaders } from './support/messages.js';
import { headersOf } from './support/smtp.js';
import { maildirMessages, nobody, startPostfix, type Postfix } from '../../support/postfix.js';

/**
 * The list bot as a list admin deploys it, end to end with a real Postfix (a private instance,
 * see test/support/postfix.ts): the list is an alias (`xen-devel: dev, maint, patchbot`), the
 * bot's entry pipes each post into the built CLI, patches are posted with `git send-email`.
 * What must hold: one threaded reply to the author (and the maintainer of the file), none to
 * the list; none to a RESEND; and with the bot's state directory unwritable Postfix defers the
 * post (exit 75), bounces nothing, and delivers it once the directory is back.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin/patchsentry.js');
const run = promisify(execFile);
const SEND_EMAIL = '/usr/lib/git-core/git-send-email';

let postfix: Postfix;
let user: { uid: number; gid: number };
const paths = { mail: '', bot: '', state: '', log: '' };


/** A patch as `git format-patch` wrote it, by the local author, without list headers. */
function patchFile(name: string, fields: Record<string, string | null> = {}): Buffer {
  return withHeaders(fixture(name), { From: 'Jane Developer <jane@example.test>', To: null, Cc: null, 'List-Id': null, Precedence: null, ...fields });
}

/** Posts to the list the way a contributor does: git send-email (nodemailer where it is missing). */
async function post(patch: Buffer, label: string): Promise<void> {
  const file = join(postfix.dir, `${label}.patch`);
  writeFileSync(file, patch);
  if (existsSync(SEND_EMAIL)) {
    const repo = join(postfix.dir, 'repo');
    if (!existsSync(repo)) execFileSync('git', ['init', '-q', repo]);
    await run(
      'git',
      ['-c', 'user.name=Jane Developer', '-c', 'user.email=jane@example.test', 'send-email', '--confirm=never', '--suppress-cc=all', '--no-thread', '--quiet',
        '--from', 'Jane Developer <jane@example.test>', '--to', 'xen-devel@example.test', '--smtp-server', '127.0.0.1', '--smtp-server-port', String(postfix.port), file],
      { cwd: repo, timeout: 120_000, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: postfix.dir } },
    );
    return;
  }
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: postfix.port, secure: false, ignoreTLS: true });
  await transport.sendMail({ envelope: { from: 'jane@example.test', to: ['xen-devel@example.test'] }, raw: `To: xen-devel@example.test\n${patch.toString()}` });
  transport.close();
}

const mailbox = (who: string): string[] => maildirMessages(join(paths.mail, who));
const replies = (who: string): string[] => mailbox(who).filter((m) => /^Subject: Re: /m.test(m));
const botLog = (): string => (existsSync(paths.log) ? readFileSync(paths.log, 'utf8') : '');

async function waitFor(test: () => boolean | Promise<boolean>, what: () => string | Promise<string>, ms = 240_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting\n${await what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const state = (): string => `bot log:\n${botLog()}\nmaillog:\n${postfix.log().split('\n').slice(-40).join('\n')}`;

/**
 * `aliases`: the list in the alias file (`xen-devel: dev, maint, patchbot`), as the list admin
 * had it; `virtual`: the list in virtual_alias_maps, each member its own queue recipient.
 */
for (const list of ['aliases', 'virtual'] as const) {
  describe(`patchsentry behind a real Postfix, as a list admin deploys it (list in ${list === 'aliases' ? 'the alias file' : 'virtual_alias_maps'})`, { timeout: 600_000 }, () => {
    beforeAll(async () => {
      user = await nobody();
      // The bot runs as the alias file's owner's stand-in, nobody: it must be able to read the CLI.
      try {
        execFileSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(join(ROOT, 'dist/bot/cli/main.js'))}, require('fs').constants.R_OK)`], { uid: user.uid, gid: user.gid, stdio: 'pipe' });
      } catch {
        throw new Error(`the user nobody cannot read ${ROOT}dist (a checkout under a 0700 home?): the bot's command runs as nobody here`);
      }
      postfix = await startPostfix((port, dir) => {
        const bot = [
          process.execPath,
          BIN,
          'mail',
          '--smtp',
          `smtp://127.0.0.1:${port}`,
          '--from',
          'patchbot@example.test',
          '--state',
          `${dir}/bot/state/state.db`,
          '--log',
          `${dir}/bot/bot.log`,
          '--maintainers',
          `${dir}/bot/MAINTAINERS`,
        ].join(' ');
        return [
          '# The list: its members, and the bot among them.',
          ...(list === 'aliases' ? ['xen-devel: dev, maint, patchbot'] : []),
          `dev: ${dir}/mail/dev/`,
          `maint: ${dir}/mail/maint/`,
          `jane: ${dir}/mail/jane/`,
          `patchbot: "|${bot}"`,
          '',
        ].join('\n');
      }, list === 'virtual' ? 'xen-devel@example.test dev@example.test, maint@example.test, patchbot@example.test\n' : undefined);
      paths.mail = join(postfix.dir, 'mail');
      paths.bot = join(postfix.dir, 'bot');
      paths.state = join(paths.bot, 'state');
      paths.log = join(paths.bot, 'bot.log');
      for (const d of [paths.mail, paths.bot, paths.state]) {
        mkdirSync(d, { recursive: true });
        chownSync(d, user.uid, user.gid);
      }
      writeFileSync(
        join(paths.bot, 'MAINTAINERS'),
        ['THE REST', 'M:\tMaint Person <maint@example.test>', 'S:\tSupported', 'F:\t*', 'F:\t*/', ''].join('\n'),
      );
    }, 240_000);

    afterAll(async () => {
      await postfix?.stop();
    });

    const PATCH_ID = '<20261125081244.4711-1-jane.dev@example.org>';

    it('one threaded reply to the author and the maintainer, none to the list', async () => {
      await post(patchFile('domctl-violation.patch'), 'p1');
      await waitFor(() => replies('jane').length === 1 && replies('maint').length === 1 && mailbox('dev').length === 1, state);
      const reply = replies('jane')[0]!;
      const h = headersOf(reply);
      expect(h.get('in-reply-to')).toBe(PATCH_ID);
      expect(h.get('references')).toContain(PATCH_ID);
      expect(h.get('subject')).toBe('Re: [PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views');
      expect(h.get('auto-submitted')).toBe('auto-generated');
      expect(h.get('from')).toContain('patchbot@example.test');
      // The list's members got the post, not the reply: the list is not a recipient.
      expect(replies('dev')).toEqual([]);
      expect(mailbox('dev')[0]).toContain('Subject: [PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views');
      expect(botLog()).toMatch(new RegExp(`Z stdin ${PATCH_ID.replace(/[.<>]/g, '\\$&')} .* replied <patchsentry\\.`));
      expect(botLog()).toMatch(/Z sent <patchsentry\.\S+> in reply to <20261125081244\.4711-1-jane\.dev@example\.org> to /);
    });

    it('a RESEND of the same diff under a new Message-ID gets no reply (logged)', async () => {
      await post(patchFile('domctl-violation.patch', { Subject: '[PATCH RESEND] xen/domctl: add XEN_DOMCTL_altp2m_get_views', 'Message-Id': '<resend-1@example.test>' }), 'resend');
      await waitFor(() => botLog().includes('<resend-1@example.test>') && mailbox('dev').length === 2, state);
      // The bot's run has ended (it logged); any reply would have reached the author by now as
      // fast as the first one did, so wait for the queue to be empty before counting.
      await waitFor(async () => /Mail queue is empty/.test(await postfix.mailq()), () => postfix.mailq());
      expect(replies('jane')).toHaveLength(1);
      expect(replies('maint')).toHaveLength(1);
    });

    it('a state directory the bot cannot write: Postfix defers the post (mailq), bounces nothing, and delivers it once fixed', async () => {
      chownSync(paths.state, 0, 0);
      chmodSync(paths.state, 0o700);
      const p2 = patchFile('domctl-handler.patch', { 'Message-Id': '<p2@example.test>' });
      await post(p2, 'p2');
      // The other members have it; the bot's copy waits in the queue with the reason.
      await waitFor(async () => mailbox('dev').length === 3 && /\(temporary failure[\s\S]*patchbot@example\.test/.test(await postfix.mailq()), async () => `${state()}\nmailq:\n${await postfix.mailq()}`);
      const queue = await postfix.mailq();
      expect(queue).toMatch(/\(temporary failure/);
      expect(queue).not.toContain('S3CRET');
      expect(botLog()).toMatch(/error: .*state\.db.*exit 75 \(EX_TEMPFAIL\)/);
      // Nothing went back to the author: no bounce, no reply.
      expect(mailbox('jane')).toHaveLength(1);
      expect(mailbox('jane').some((m) => /MAILER-DAEMON|Undelivered Mail/i.test(m))).toBe(false);

      chownSync(paths.state, user.uid, user.gid);
      await postfix.flush();
      await waitFor(async () => replies('jane').length === 2 && /Mail queue is empty/.test(await postfix.mailq()), async () => `${state()}\nmailq:\n${await postfix.mailq()}`);
      const second = headersOf(replies('jane')[1]!);
      expect(second.get('in-reply-to')).toBe('<p2@example.test>');
      expect(botLog().match(/stdin <p2@example\.test> .* replied /g)).toHaveLength(1);
      // Delivered once to everyone, bounced to no one.
      const p2Copies = mailbox('dev').filter((m) => m.includes('Message-Id: <p2@example.test>')).length;
      if (list === 'virtual') expect(p2Copies).toBe(1);
      // An /etc/aliases list is one queue recipient, expanded at delivery: when one member (the
      // bot) defers, Postfix retries the whole list and the others get the post again
      // (docs/mail-bot.md says so, and shows the virtual alias list that avoids it).
      else expect(p2Copies).toBeGreaterThanOrEqual(1);
      expect(replies('maint')).toHaveLength(2);
      for (const who of ['jane', 'dev', 'maint']) expect(mailbox(who).some((m) => /MAILER-DAEMON/i.test(m)), who).toBe(false);
      expect(postfix.log()).not.toMatch(/status=bounced/);
    });
  });
}
