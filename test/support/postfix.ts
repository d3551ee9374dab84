import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A private Postfix for a test: Debian's postfix package (installed by scripts/install-test-deps.sh), run as root
 * with its own config_directory, queue_directory and data_directory in a temp dir, SMTP on
 * 127.0.0.1 at a free port (`inet_interfaces = loopback-only`), delivering only to the local
 * aliases of its own alias file (`default_transport = error:`: nothing leaves the machine).
 * Nothing of the system's /etc/postfix configuration is used or changed, and the system
 * instance is not started.
 *
 * The alias file is root's, so what it delivers to files and commands runs as `nobody`
 * (Postfix's `default_privs`), the way a list bot's `.forward` runs as the bot's own user.
 */
export interface Postfix {
  readonly port: number;
  readonly dir: string;
  /** Local domain of the instance: mail to `<alias>@example.test` is delivered here. */
  readonly domain: string;
  /** `mailq` of this instance. */
  mailq(): Promise<string>;
  /** `postqueue -f`: deliver deferred mail now. */
  flush(): Promise<void>;
  log(): string;
  stop(): Promise<void>;
}

export const POSTFIX_BIN = '/usr/sbin/postfix';

/** The uid and gid deliveries run as (`default_privs = nobody`). */
export async function nobody(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', 'nobody'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'nobody'])).stdout.trim());
  return { uid, gid };
}

/**
 * Starts an instance whose alias file holds `aliases` (`name: value`, as /etc/aliases does;
 * values are addresses, `/maildir/paths/` or `"|commands"`), and with `virtualAliases` a
 * virtual(5) table (`address address, ...`), expanded when a message is queued. `dir` must be reachable by
 * nobody (mode 0755 up to it) when the aliases deliver into it.
 */
export async function startPostfix(aliases: (port: number, dir: string) => string, virtualAliases?: string): Promise<Postfix> {
  if (!existsSync(POSTFIX_BIN)) throw new Error(`${POSTFIX_BIN} is missing: scripts/install-test-deps.sh installs it (npm test runs it first)`);
  const dir = mkdtempSync(join(tmpdir(), 'patchsentry-postfix-'));
  chmodSync(dir, 0o755);
  const etc = join(dir, 'etc');
  for (const sub of ['etc', 'queue', 'data']) mkdirSync(join(dir, sub));
  const postfixUser = await run('id', ['-u', 'postfix']).then((r) => Number(r.stdout.trim()));
  chownSync(join(dir, 'data'), postfixUser, -1);
  const port = await freePort();
  const domain = 'example.test';
  writeFileSync(
    join(etc, 'main.cf'),
    `compatibility_level = 3.6
queue_directory = ${dir}/queue
data_directory = ${dir}/data
mail_owner = postfix
setgid_group = postdrop
default_privs = nobody
syslog_name = postfix-patchsentry-test
maillog_file = ${dir}/maillog
maillog_file_prefixes = ${dir}
myhostname = mail.${domain}
mydomain = ${domain}
myorigin = $mydomain
mydestination = $myhostname, localhost, $mydomain
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
relay_domains =
default_transport = error:this test instance delivers nothing outside
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
alias_maps = hash:${etc}/aliases
alias_database = hash:${etc}/aliases
local_recipient_maps = $alias_maps
${virtualAliases === undefined ? '' : `virtual_alias_maps = hash:${etc}/virtual\n`}biff = no
smtputf8_enable = no
`,
  );
  // Debian's master.cf without chroot (a chroot would need a copy of /etc in the queue) and
  // with smtpd on our port.
  const services = [
    `${port} inet n - n - - smtpd`,
    'pickup unix n - n 60 1 pickup',
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'verify unix - - n - 1 verify',
    'flush unix n - n 1000? 0 flush',
    'proxymap unix - - n - - proxymap',
    'proxywrite unix - - n - 1 proxymap',
    'smtp unix - - n - - smtp',
    'relay unix - - n - - smtp',
    'showq unix n - n - - showq',
    'error unix - - n - - error',
    'retry unix - - n - - error',
    'discard unix - - n - - discard',
    'local unix - n n - - local',
    'anvil unix - - n - 1 anvil',
    'scache unix - - n - 1 scache',
    'postlog unix-dgram n - n - 1 postlogd',
  ];
  writeFileSync(join(etc, 'master.cf'), `${services.join('\n')}\n`);
  writeFileSync(join(etc, 'aliases'), aliases(port, dir));
  const log = (): string => (existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8') : '');
  const postfix = (...args: string[]): Promise<{ stdout: string }> => run(POSTFIX_BIN, ['-c', etc, ...args], { timeout: 120_000 });
  try {
    await run('/usr/sbin/postalias', ['-c', etc, `hash:${etc}/aliases`], { timeout: 60_000 });
    if (virtualAliases !== undefined) {
      writeFileSync(join(etc, 'virtual'), virtualAliases);
      await run('/usr/sbin/postmap', ['-c', etc, `hash:${etc}/virtual`], { timeout: 60_000 });
    }
    await postfix('start');
    await waitForBanner(port);
  } catch (error) {
    await postfix('stop').catch(() => undefined);
    const text = log();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`postfix did not start: ${(error as Error).message}\n${text}`);
  }
  return {
    port,
    dir,
    domain,
    log,
    async mailq() {
      return (await run('/usr/sbin/postqueue', ['-c', etc, '-p'], { timeout: 60_000 })).stdout;
    },
    async flush() {
      await run('/usr/sbin/postqueue', ['-c', etc, '-f'], { timeout: 60_000 });
    },
    async stop() {
      await postfix('stop').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The messages delivered into a Maildir (new/ and cur/), oldest name first. */
export function maildirMessages(path: string): string[] {
  const out: string[] = [];
  for (const sub of ['new', 'cur']) {
    if (!existsSync(join(path, sub))) continue;
    for (const name of readdirSync(join(path, sub)).sort()) out.push(readFileSync(join(path, sub, name), 'utf8'));
  }
  return out;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once smtpd sends its `220` banner. */
async function waitForBanner(port: number, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('data', (d: Buffer) => {
        socket.end('QUIT\r\n');
        resolve(d.toString().startsWith('220'));
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`no SMTP banner on 127.0.0.1:${port} within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
