// Path traversal (docs/reliability.md). A file name in a message is only ever looked at (is it a
// .patch?), never used as a path: patches attached as `../../../../tmp/evil.patch`,
// `/etc/passwd` or `..\..\x` are read like any other and nothing is written anywhere. `--out`
// and `--state` are the user's own choice of file, taken as given (`..` included, the way
// every Unix tool takes a path), never derived from message content; a path that cannot be
// written is an error naming it (exit 2 for `--out`, checked before anything is read; 75 for
// the state, so an MTA keeps the mail), never a stack trace.
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../bot/mail/support/messages.js';
import { TestSmtpServer } from '../bot/mail/support/smtp.js';
import { cli, closedPort, everything, ROOT, STACK, type Run } from './support.js';

const SOURCE = fixture('domctl-violation.patch').toString('utf8');
/** The diff alone, as a mail client attaches it. */
const DIFF = SOURCE.slice(SOURCE.indexOf('diff --git '), SOURCE.lastIndexOf('-- \n'));
const EXPECTED_FILES = [{ path: 'xen/include/public/domctl.h', additions: 11, deletions: 0 }];

interface Attachment {
  readonly name: string;
  readonly type: string;
  readonly encoding: 'base64' | '7bit' | 'quoted-printable';
  /** RFC 2231 `filename*=utf-8''…` instead of a quoted `filename="…"`. */
  readonly rfc2231?: boolean;
}
const ATTACHMENTS: readonly Attachment[] = [
  { name: '../../../../tmp/evil.patch', type: 'text/x-patch', encoding: 'base64' },
  { name: '/etc/passwd', type: 'text/x-diff', encoding: '7bit' },
  { name: '..\\..\\x', type: 'text/x-patch', encoding: 'quoted-printable' },
  { name: '../../../../tmp/evil2.patch', type: 'application/octet-stream', encoding: 'base64', rfc2231: true },
];

function qp(text: string): string {
  // Enough quoted-printable for a diff: '=' escaped, long lines soft-broken.
  return text
    .split('\n')
    .map((line) => line.replace(/=/g, '=3D').replace(/(.{70})(?=.)/g, '$1=\n'))
    .join('\n');
}

function message(i: number, a: Attachment): string {
  const quoted = `"${a.name.replace(/\\/g, '\\\\')}"`;
  const name = a.rfc2231 ? `filename*=utf-8''${encodeURIComponent(a.name)}` : `filename=${quoted}`;
  // A diff of its own per case: the same diff re-sent is answered once (a re-send).
  const diff = DIFF.replaceAll('altp2m_get_views', `altp2m_get_views_${i}`);
  const body = a.encoding === 'base64' ? Buffer.from(diff).toString('base64').replace(/.{76}/g, '$&\n') : a.encoding === 'quoted-printable' ? qp(diff) : diff;
  return [
    `From jane.dev@example.org Wed Nov 25 09:12:44 2026`,
    `From: Jane Developer <jane.dev@example.org>`,
    `To: xen-devel@lists.example.org`,
    `Date: Wed, 25 Nov 2026 09:1${i}:44 +0100`,
    `Subject: [PATCH] xen/domctl: add XEN_DOMCTL_altp2m_get_views (attached, case ${i})`,
    `Message-ID: <attach-${i}@example.org>`,
    `MIME-Version: 1.0`,
    `Content-Type: multipart/mixed; boundary="b${i}"`,
    ``,
    `--b${i}`,
    `Content-Type: text/plain; charset=UTF-8`,
    ``,
    `Add a domctl returning the bitmap of active views (patch attached).`,
    ``,
    `Signed-off-by: Jane Developer <jane.dev@example.org>`,
    ``,
    `--b${i}`,
    `Content-Type: ${a.type}; ${a.rfc2231 ? `name*=utf-8''${encodeURIComponent(a.name)}` : `name=${quoted}`}`,
    `Content-Disposition: attachment; ${name}`,
    `Content-Transfer-Encoding: ${a.encoding}`,
    ``,
    body.trimEnd(),
    `--b${i}--`,
    ``,
  ].join('\n');
}
const MBOX = ATTACHMENTS.map((a, i) => message(i, a)).join('\n');

/** Every file and directory under `dir` (relative), with what changes when it is written. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = lstatSync(path);
      out.set(relative(dir, path), st.isDirectory() ? 'dir' : `${st.size}:${st.mtimeMs}`);
      if (st.isDirectory()) walk(path);
    }
  };
  walk(dir);
  return out;
}
/** What was added, removed or changed between two snapshots. */
function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}

let root: string;
/** The working directory, four levels down, so `../../../../tmp/evil.patch` lands in `root/tmp`. */
let cwd: string;
const SYSTEM = ['/tmp/evil.patch', '/tmp/evil2.patch', '/etc/passwd'];
const systemState = (): string[] => SYSTEM.map((p) => (existsSync(p) ? `${p} ${statSync(p).size}:${statSync(p).mtimeMs}` : `${p} absent`));

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ps-paths-'));
  cwd = join(root, 'a', 'b', 'c', 'd');
  mkdirSync(cwd, { recursive: true });
  mkdirSync(join(root, 'tmp'));
  writeFileSync(join(cwd, 'attached.mbox'), MBOX);
}, 480_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));
/** The default state of these runs: under root, never the user's own (a dry run reads it). */
const xdg = (): Record<string, string> => ({ XDG_STATE_HOME: join(root, 'xdg') });

function noStack(run: Run): string {
  const text = everything(run);
  expect(text).not.toMatch(STACK);
  return text;
}

interface JsonReport {
  patches: { messageId: string | null; files: { path: string; additions: number; deletions: number }[]; findings: { rule: string }[] }[];
  errors: unknown[];
}

describe('attachment names that climb out of the directory', () => {
  it('check reads each attached patch (base64, 7bit, quoted-printable, RFC 2231 names) and writes nothing anywhere', async () => {
    const before = snapshot(root);
    const system = systemState();
    const fromFile = await cli(['check', '--format', 'json', 'attached.mbox'], { cwd });
    const fromStdin = await cli(['check', '--format', 'json', '-'], { cwd, stdin: MBOX });
    const text = await cli(['check', 'attached.mbox'], { cwd });
    for (const run of [fromFile, fromStdin]) {
      expect(run.code, run.stderr).toBe(1); // the domctl violation, found in every attachment
      const report = JSON.parse(run.stdout) as JsonReport;
      expect(report.errors).toEqual([]);
      expect(report.patches.map((p) => p.messageId)).toEqual(ATTACHMENTS.map((_, i) => `<attach-${i}@example.org>`));
      for (const patch of report.patches) {
        expect(patch.files).toEqual(EXPECTED_FILES);
        expect(patch.findings.map((f) => f.rule)).toContain('altp2m-domctl');
      }
    }
    expect(text.code).toBe(1);
    // The names are never shown (nothing in a report is a file name from a message's MIME headers).
    for (const run of [fromFile, fromStdin, text]) {
      const out = noStack(run);
      for (const a of ATTACHMENTS) expect(out).not.toContain(a.name);
      expect(out).not.toContain('evil');
    }
    expect(changes(before, snapshot(root))).toEqual([]);
    expect(systemState()).toEqual(system);
  });

  it('mail (dry run to --out, and sending) answers each one and creates only the files it was told to', async () => {
    const before = snapshot(root);
    const system = systemState();
    const dry = await cli(['mail', 'attached.mbox', '--out', 'replies.mbox'], { cwd, env: xdg() });
    expect(dry.code, dry.stderr).toBe(0);
    noStack(dry);
    const replies = readFileSync(join(cwd, 'replies.mbox'), 'utf8');
    expect(replies.match(/^From /gm)).toHaveLength(ATTACHMENTS.length);
    for (let i = 0; i < ATTACHMENTS.length; i++) expect(replies).toContain(`In-Reply-To: <attach-${i}@example.org>`);
    for (const a of ATTACHMENTS) expect(replies + everything(dry)).not.toContain(a.name);
    // The dry run creates no state either: replies.mbox is the one new file.
    expect(changes(before, snapshot(root))).toEqual(['a/b/c/d/replies.mbox']);

    const smtp = new TestSmtpServer();
    await smtp.start();
    try {
      const middle = snapshot(root);
      const sent = await cli(['mail', '-', '--smtp', `smtp://127.0.0.1:${smtp.port}`], { cwd, stdin: MBOX, env: xdg() });
      expect(sent.code, sent.stderr).toBe(0);
      noStack(sent);
      expect(smtp.received).toHaveLength(ATTACHMENTS.length);
      // Only the default state database, per user and not in the working directory (SQLite
      // may keep its -wal/-shm beside it).
      const created = changes(middle, snapshot(root));
      expect(created).toContain('xdg/patchsentry/state.db');
      expect(created.filter((p) => !/^xdg(\/patchsentry(\/state\.db(-wal|-shm)?)?)?$/.test(p))).toEqual([]);
    } finally {
      await smtp.stop();
      rmSync(join(root, 'xdg'), { recursive: true, force: true });
      rmSync(join(cwd, 'replies.mbox'));
    }
    expect(systemState()).toEqual(system);
    expect(existsSync(join(root, 'tmp', 'evil.patch')) || existsSync(join(root, 'tmp', 'evil2.patch'))).toBe(false);
  });
});

describe('--out and --state: the user\'s own paths', () => {
  const input = fixture('domctl-violation.patch');

  it('--out with .. writes exactly the file it resolves to, appending, and nothing else', async () => {
    mkdirSync(join(root, 'a', 'b', 'out'));
    const before = snapshot(root);
    const first = await cli(['mail', '--out', '../../out/replies.mbox'], { cwd, stdin: input, env: xdg() });
    const second = await cli(['mail', '--out', `${cwd}/../../../../a/b/out/./replies.mbox`], { cwd, stdin: input, env: xdg() });
    for (const run of [first, second]) {
      expect([run.code, run.stdout]).toEqual([0, '']);
      noStack(run);
    }
    expect(changes(before, snapshot(root))).toEqual(['a/b/out/replies.mbox']);
    const written = readFileSync(join(root, 'a', 'b', 'out', 'replies.mbox'), 'utf8');
    // A dry run keeps no state, so both runs answer: two replies, the first one kept.
    expect(written.match(/^From patchsentry@/gm)).toHaveLength(2);
    expect(written.match(/^In-Reply-To: <20261125081244\.4711-1-jane\.dev@example\.org>$/gm)).toHaveLength(2);
    rmSync(join(root, 'a', 'b', 'out'), { recursive: true });
  });

  // `--out` is only opened once there is a reply to write; it must still be a clear usage error.
  const unwritable: [string, (base: string) => string, RegExp][] = [
    ['a directory', (base) => base, /EISDIR/],
    ['a path below a regular file', (base) => join(base, 'file', 'replies.mbox'), /ENOTDIR/],
    ['a directory that does not exist', (base) => join(base, 'missing', 'replies.mbox'), /ENOENT/],
  ];
  for (const [what, path, code] of unwritable) {
    it(`--out to ${what}: exit 2 naming the path, no stack trace, nothing written`, async () => {
      const base = mkdtempSync(join(root, 'out-'));
      writeFileSync(join(base, 'file'), 'not a directory\n');
      const before = snapshot(root);
      const run = await cli(['mail', '--out', path(base)], { cwd, stdin: input, env: xdg() });
      expect(run.code).toBe(2);
      const text = noStack(run);
      expect(text).toMatch(/^patchsentry: .*--out\b/m);
      expect(text).toContain(path(base));
      expect(text).toMatch(code);
      expect(changes(before, snapshot(root))).toEqual([]);
      rmSync(base, { recursive: true });
    });
  }

  it('--out to a device that refuses the write (/dev/full, ENOSPC): the failure is named, no stack trace', async () => {
    const run = await cli(['mail', '--out', '/dev/full'], { cwd, stdin: input, env: xdg() });
    const text = noStack(run);
    expect(text).toMatch(/cannot write 1 reply to \/dev\/full: .*ENOSPC/);
    expect(text).not.toMatch(/Unhandled 'error' event|kept in the outbox/);
    // A dry run keeps nothing for later, so a reply it could not write is a failed run; a
    // full disk is a fault of the environment: 75, as for the real run under an MTA.
    expect(run.code).toBe(75);
  });

  it('--state to a directory or below a regular file: exit 75 (the MTA retries) naming the path', async () => {
    const base = mkdtempSync(join(root, 'state-'));
    writeFileSync(join(base, 'file'), 'not a directory\n');
    const send = ['--smtp', `smtp://127.0.0.1:${await closedPort()}`];
    // A dry run opens an existing state read-only and uses none when there is no file, so only
    // the directory is an error there.
    for (const [state, args] of [[base, []], [base, send], [join(base, 'file', 'state.db'), send]] as const) {
      {
        const run = await cli(['mail', '--state', state, ...args], { cwd, stdin: input });
        expect(run.code, `${state} ${args.join(' ')}`).toBe(75);
        const text = noStack(run);
        expect(text).toMatch(new RegExp(`^patchsentry: .*${state.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*state database`, 'm'));
      }
    }
    expect(readdirSync(base)).toEqual(['file']);
    rmSync(base, { recursive: true });
  });
});

/** Modules that can write files, and the names they export that do. */
const WRITERS: Record<string, RegExp> = {
  'node:fs': /^(writeFile|appendFile|createWriteStream|mkdir|mkdtemp|rename|copyFile|cp|symlink|link|unlink|rm|rmdir|truncate|open|chmod|chown|utimes|promises)/,
  'node:fs/promises': /^(writeFile|appendFile|mkdir|mkdtemp|rename|copyFile|cp|symlink|link|unlink|rm|rmdir|truncate|open|chmod|chown|utimes)/,
  'better-sqlite3': /./,
};
/**
 * Where the shell may touch the file system, and with which path. None of these paths comes
 * from a message: each is an option, a runner variable or a directory listing.
 */
const ALLOWED: Record<string, { names: RegExp; why: string }> = {
  'bot/mail/state.ts': { names: /^(mkdirSync|Database|openSync|closeSync|writeSync|ftruncateSync|unlinkSync)$/, why: '--state FILE (and its .lock beside it)' },
  'bot/mail/run.ts': { names: /^(createWriteStream|openSync)$/, why: '--out FILE' },
  'bot/cli/mail-commands.ts': { names: /^(openSync|closeSync)$/, why: '--out FILE, opened early to give a usage error' },
  'bot/mail/maildir.ts': { names: /^rename$/, why: 'new/NAME to cur/NAME:2,S, NAME from readdir of --maildir' },
  'bot/mail/log.ts': { names: /^appendFileSync$/, why: '--log FILE' },
  'bot/mail/owner.ts': { names: /^(mkdir|writeFile|rename)$/, why: '--owner-maildir DIR: tmp/NAME then new/NAME, NAME made of the time, pid and a hash' },
  'bot/action/run.ts': { names: /^(writeFileSync|appendFileSync)$/, why: 'RUNNER_TEMP/patchsentry.sarif, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY' },
  'bot/io/input.ts': { names: /^open$/, why: 'opens an input path given on the command line, read-only' },
  'bot/workers/piece.ts': { names: /^open$/, why: 'opens a piece of an input path given on the command line, read-only' },
};

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('.ts'))
    .map((p) => join(dir, p));
}

describe('no file path is built from message content', () => {
  it('the core (src/, rules/), which reads messages, imports nothing that touches files', () => {
    const offenders = [...sources('src'), ...sources('rules')].filter((file) => /from ['"](node:)?(fs|fs\/promises|path|better-sqlite3)['"]|import\(['"](node:)?fs/.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('bot/ writes only where an allow-listed file says, each path from an option or the runner', () => {
    const found: string[] = [];
    const seen = new Set<string>();
    for (const file of sources('bot')) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/import\s+(?:(\*\s+as\s+\w+|\w+)|\{([^}]*)\})\s+from\s+['"]([^'"]+)['"]/g)) {
        const module = m[3]!.startsWith('fs') ? `node:${m[3]}` : m[3]!;
        const writer = WRITERS[module];
        if (!writer) continue;
        // A whole-module import can reach every writer.
        const names = m[1] ? [m[1].startsWith('*') ? '*' : m[1]] : m[2]!.split(',').map((n) => n.replace(/\btype\b/, '').trim().split(/\s+as\s+/)[0]!).filter((n) => n !== '');
        for (const name of names) {
          if (module !== 'better-sqlite3' && name !== '*' && !writer.test(name)) continue;
          const label = module === 'better-sqlite3' ? 'Database' : name;
          seen.add(`${file}: ${label}`);
          if (!ALLOWED[file]?.names.test(label)) found.push(`${file}: ${label} from ${module}`);
        }
      }
      if (/require\(|createRequire/.test(text)) found.push(`${file}: require`);
    }
    expect(found).toEqual([]);
    // The scan does see the writers there are.
    expect([...seen]).toEqual(expect.arrayContaining(['bot/mail/state.ts: Database', 'bot/mail/state.ts: mkdirSync', 'bot/mail/run.ts: createWriteStream', 'bot/action/run.ts: writeFileSync']));
  });
});
