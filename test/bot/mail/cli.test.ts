import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixture } from './support/messages.js';
import { headersOf, TestSmtpServer } from './support/smtp.js';
import { runCli, startCli } from '../../support/cli.js';

let dir: string;
let server: TestSmtpServer;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchsentry-cli-'));
  server = new TestSmtpServer();
  await server.start();
});
afterEach(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], stdin: Buffer | null): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(args, { cwd: dir, env: { ...process.env, PATCHSENTRY_SMTP_URL: `smtp://127.0.0.1:${server.port}` }, stdin: stdin ?? '' });
}

describe('patchsentry mail (the built CLI)', () => {
  it('delivers exactly one threaded reply for a violating patch on stdin, and nothing the second time', async () => {
    const args = ['mail', '--smtp', `smtp://127.0.0.1:${server.port}`, '--state', join(dir, 's.db')];
    const first = await cli(args, fixture('domctl-violation.patch'));
    expect(first.code).toBe(0);
    expect(server.received).toHaveLength(1);
    const h = headersOf(server.received[0]!.raw);
    expect(h.get('in-reply-to')).toBe('<20261125081244.4711-1-jane.dev@example.org>');
    expect(h.get('subject')).toBe('Re: [PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views');
    expect(first.stderr).toMatch(/replied <patchsentry\./);
    const second = await cli(args, fixture('domctl-violation.patch'));
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('duplicate');
    expect(server.received).toHaveLength(1);
  });

  it('reads the SMTP URL from the environment with --smtp env, and dry-runs to stdout without --smtp', async () => {
    const dry = await cli(['mail', '--state', join(dir, 's.db')], fixture('domctl-violation.patch'));
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^From patchsentry@\S+ \w{3} \w{3} \d\d \d\d:\d\d:\d\d \d{4}\n/);
    expect(dry.stdout).toContain('In-Reply-To: <20261125081244.4711-1-jane.dev@example.org>');
    expect(existsSync(join(dir, 's.db'))).toBe(false);
    expect(server.received).toHaveLength(0);
    const sent = await cli(['mail', '--smtp', 'env', '--state', join(dir, 's.db'), '--from', 'Bot <bot@example.org>'], fixture('domctl-violation.patch'));
    expect(sent.code).toBe(0);
    expect(server.received).toHaveLength(1);
    expect(headersOf(server.received[0]!.raw).get('from')).toBe('Bot <bot@example.org>');
  });

  it('exits 2 with a message on a usage error', async () => {
    const result = await cli(['watch', '--state', join(dir, 's.db')], null);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('exactly one of --maildir DIR, --imap URL or --public-inbox DIR');
  });
});

describe('patchsentry watch --maildir (the built CLI)', () => {
  it('answers new mail, logs one line per message, and stops cleanly on SIGTERM', async () => {
    const maildir = join(dir, 'Maildir');
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    const watch = startCli(['watch', '--maildir', maildir, '--smtp', `smtp://127.0.0.1:${server.port}`, '--state', join(dir, 's.db'), '--poll', '200ms'], { cwd: dir });
    await waitFor(() => watch.stderr.includes('watching'));
    // Delivered the Maildir way: written in tmp/, renamed into new/.
    writeFileSync(join(maildir, 'tmp', '1764000000.1.host'), fixture('domctl-violation.patch'));
    renameSync(join(maildir, 'tmp', '1764000000.1.host'), join(maildir, 'new', '1764000000.1.host'));
    writeFileSync(join(maildir, 'new', '1764000001.2.host'), fixture('clean.patch'));
    await waitFor(() => server.received.length === 1 && watch.stderr.includes('1764000001.2.host'));
    expect(watch.stderr).toMatch(/1764000000\.1\.host <20261125081244\.4711-1-jane\.dev@example\.org> "\[PATCH\] xen\/domctl: add XEN_DOMCTL_altp2m_get_views" replied/);
    expect(watch.stderr).toMatch(/1764000001\.2\.host <20261125083002\.4800-1-jane\.dev@example\.org> .* clean/);
    await waitFor(() => readdirSync(join(maildir, 'cur')).length === 2);
    expect(readdirSync(join(maildir, 'new'))).toEqual([]);
    watch.child.kill('SIGTERM');
    expect((await watch.exited).code).toBe(0);
    expect(watch.stderr).toContain('stopped');
    expect(server.received).toHaveLength(1);
  });
});

async function waitFor(test: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}
