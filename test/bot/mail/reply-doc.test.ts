// The example reply in docs/mail-bot.md is what the built CLI writes, and a patch adding one
// DOMCTL command (four altp2m-domctl findings) is answered in at most 40 lines.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../../support/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchsentry-reply-doc-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ARGS = ['--from', 'patchsentry <patchsentry@example.org>', '--maintainers', 'test/fixtures/maintainers/MAINTAINERS', 'test/fixtures/mail/domctl-command.patch'];

/** The message of a one-reply dry run: the mbox From_ line gone, the Date made fixed. */
function messageOf(mbox: string): string {
  return mbox.replace(/^From .*\n/, '').replace(/^Date: .*$/m, 'Date: (date)').replace(/\n+$/, '\n');
}

describe('the reply to a patch adding one DOMCTL command', () => {
  it('is the example of docs/mail-bot.md, and fits in 40 lines', async () => {
    const run = await runCli(['mail', '--state', join(dir, 'state.db'), ...ARGS]);
    expect(run.code, run.stderr).toBe(0);
    const message = messageOf(run.stdout);
    const body = message.slice(message.indexOf('\n\n') + 2);
    expect(body.replace(/\n$/, '').split('\n').length).toBeLessThanOrEqual(40);
    expect(body.match(/^altp2m-domctl \(error\): altp2m has one interface/gm)).toHaveLength(1);
    const docs = readFileSync(join(ROOT, 'docs/mail-bot.md'), 'utf8');
    const section = docs.slice(docs.indexOf('## What a reply looks like'));
    const example = /```\n(From: patchsentry[^]*?)```/.exec(section)?.[1];
    expect(example, 'docs/mail-bot.md has the example reply').toBeDefined();
    expect(messageOf(example!), 'docs/mail-bot.md: the example reply is not what the CLI writes; regenerate it').toBe(message);
  });

  it('goes to the author alone and says so once without a MAINTAINERS file', async () => {
    const run = await runCli(['mail', '--state', join(dir, 'state.db'), '--from', 'patchsentry <patchsentry@example.org>', 'test/fixtures/mail/domctl-command.patch']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^To: Jane Developer <jane\.dev@example\.org>$/m);
    expect(run.stdout).not.toMatch(/^Cc:/m);
    expect(run.stderr.match(/no --maintainers file: replies go to the patch author only/g)).toHaveLength(1);
  });

  it('goes To the list, Cc the author and the maintainers, with --reply-to list', async () => {
    const run = await runCli(['mail', '--state', join(dir, 'state.db'), '--reply-to', 'list', ...ARGS]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^To: xen-devel@lists\.example\.org$/m);
    expect(run.stdout).toMatch(/^Cc: Jane Developer <jane\.dev@example\.org>, Jan Keeper/m);
    const author = await runCli(['mail', '--state', join(dir, 'state2.db'), '--reply-to', 'author', ...ARGS]);
    expect(author.stdout).not.toMatch(/^Cc:/m);
    const bad = await runCli(['mail', '--state', join(dir, 'state3.db'), '--maintainers', join(dir, 'missing'), 'test/fixtures/mail/domctl-command.patch']);
    // Under an MTA: deferred (75), never bounced, while the file is missing.
    expect(bad.code).toBe(75);
    expect(bad.stderr).toContain('--maintainers: cannot read');
  });
});
