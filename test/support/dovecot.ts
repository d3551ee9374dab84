import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { startedInHooks } from './hooks.js';

/**
 * A private Dovecot IMAP server for a test: Debian's dovecot-imapd (installed by scripts/install-test-deps.sh),
 * run as root in the foreground with a config in a temp dir, listening on 127.0.0.1 at a
 * free port, plaintext LOGIN allowed (loopback only, no TLS), one user whose Maildir lives
 * in the temp dir. Nothing of the system's /etc/dovecot is used.
 */
export interface Dovecot {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly dir: string;
  stop(): Promise<void>;
  log(): string;
}

export const DOVECOT_BIN = '/usr/sbin/dovecot';

export async function startDovecot(): Promise<Dovecot> {
  if (!existsSync(DOVECOT_BIN)) throw new Error(`${DOVECOT_BIN} is missing: scripts/install-test-deps.sh installs it (npm test runs it first)`);
  const dir = mkdtempSync(join(tmpdir(), 'patchsentry-dovecot-'));
  // Dovecot's mail processes run as an unprivileged user, who must reach the Maildir.
  chmodSync(dir, 0o755);
  const uid = Number(execFileSync('id', ['-u', 'nobody']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'nobody']).toString().trim());
  for (const sub of ['run', 'state', 'home']) mkdirSync(join(dir, sub));
  chownSync(join(dir, 'home'), uid, gid);
  const user = 'bot';
  const password = randomBytes(9).toString('base64url');
  writeFileSync(join(dir, 'passwd'), `${user}:{PLAIN}${password}::::::\n`);
  const port = await freePort();
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = patchsentry-test-${randomBytes(4).toString('hex')}
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/home/%u/Maildir
first_valid_uid = 1
default_internal_user = dovecot
default_login_user = dovenull
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${uid} gid=${gid} home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`,
  );
  const child: ChildProcess = spawn(DOVECOT_BIN, ['-F', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const log = (): string => output + (existsSync(join(dir, 'dovecot.log')) ? readFileSync(join(dir, 'dovecot.log'), 'utf8') : '');
  try {
    await waitForGreeting(port, child);
  } catch (error) {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`dovecot did not start: ${(error as Error).message}\n${log()}`);
  }
  return {
    port,
    user,
    password,
    dir,
    log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once the server sends its `* OK` greeting. */
async function waitForGreeting(port: number, child: ChildProcess, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dovecot exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('data', (d: Buffer) => {
        socket.destroy();
        resolve(d.toString().startsWith('* OK'));
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`no IMAP greeting within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A Dovecot for the tests of the calling file (or describe block): started before, stopped after. */
export function useDovecot(): Dovecot {
  let dovecot: Dovecot | undefined;
  beforeAll(async () => {
    dovecot = await startDovecot();
  }, 120_000);
  afterAll(async () => {
    await dovecot?.stop();
    dovecot = undefined;
  });
  return startedInHooks(() => dovecot, 'Dovecot');
}
