// The built CLI as a process: stdin, .gz, exit status of docs/reports.md, the formats, config
// errors, and no progress bar or stack trace where none belongs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, fixture } from '../../ingest/read.js';
import { BIN, ROOT, runCli, runCliOnTerminal, startCli, type Run as CliRun } from '../../support/cli.js';

type Run = Pick<CliRun, 'code' | 'stdout' | 'stderr'>;

function run(args: string[], stdin?: Buffer, cwd = ROOT): Promise<Run> {
  return runCli(args, { stdin: stdin ?? '', cwd });
}

describe('the installed command', () => {
  it('runs as its own executable: its shebang line (env settings, V8 flags) is one this system and node accept', () => {
    // npx and a global install run bin/patchsentry.js through its shebang; the tests below run
    // it with `node`, which skips that line.
    const version = execFileSync(BIN, ['--version'], { encoding: 'utf8', env: { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env['PATH'] ?? ''}` } });
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

interface JsonReport {
  version: number;
  patches: { messageId: string | null; subject: string; kind: string; files: { path: string; additions: number; deletions: number; binary?: boolean }[]; findings: { rule: string; severity: string; line: number; side: string }[] }[];
  summary: { messages: number; findings: number };
  errors: { index?: number; messageId?: string | null; reason: string; source?: string }[];
}
const json = (r: Run): JsonReport => JSON.parse(r.stdout) as JsonReport;
const STACK = /\n\s+at .+:\d+:\d+\)?/;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ps-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inputs', () => {
  const series = fixture('input/series-v3.mbox');
  const subjects = (r: Run) => json(r).patches.map((p) => p.subject);

  it('reads an mbox piped to stdin with "-" and with no argument', async () => {
    const dash = await run(['check', '--format', 'json', '-'], series);
    const none = await run(['check', '--format', 'json'], series);
    expect(subjects(dash)).toHaveLength(4);
    expect(subjects(none)).toEqual(subjects(dash));
    expect([dash.code, dash.stderr]).toEqual([0, '']);
  });

  it('reads a .gz mbox from a file and from stdin', async () => {
    const gz = join(dir, 'series.mbox.gz');
    writeFileSync(gz, gzipSync(series));
    const file = await run(['check', '--format', 'json', gz]);
    const piped = await run(['check', '--format', 'json', '-'], gzipSync(series));
    expect(subjects(file)).toEqual(subjects(await run(['check', '--format', 'json', FIXTURES + 'input/series-v3.mbox'])));
    expect(subjects(piped)).toEqual(subjects(file));
  });

  it('reads a single .patch and .eml from stdin (as an MDA pipes one message)', async () => {
    const patch = await run(['check', '--format', 'json', '--fail-on', 'never'], fixture('input/domctl.patch'));
    const eml = await run(['check', '--format', 'json', '--fail-on', 'never'], fixture('input/message/attach-x-patch.eml'));
    expect(json(patch).patches.map((p) => p.files)).toEqual([[{ path: 'xen/include/public/domctl.h', additions: 8, deletions: 0 }]]);
    expect(json(eml).patches.map((p) => p.files)).toEqual(json(patch).patches.map((p) => p.files));
  });

  it('reads plain diffs (git diff, diff -u) detected from their content', async () => {
    const r = await run(['check', '--format', 'json', '--fail-on', 'never', FIXTURES + 'input/plain-git-diff.diff', FIXTURES + 'input/plain-diff-u.diff']);
    expect(json(r).patches.map((p) => p.files.map((f) => f.path))).toEqual([['xen/arch/x86/hvm/hvm.c', 'xen/include/public/hvm/hvm_op.h'], ['xen/include/public/domctl.h']]);
    expect(json(r).errors).toEqual([]);
  });
});

describe('exit codes (docs/reports.md)', () => {
  it('0 when nothing reaches --fail-on (default error)', async () => {
    const r = await run(['check', FIXTURES + 'input/series-v3.mbox']);
    expect(r.code).toBe(0);
  });

  it('1 for findings at or above --fail-on', async () => {
    expect((await run(['check', FIXTURES + 'input/domctl.patch'])).code).toBe(1);
    expect((await run(['check', '--fail-on', 'info', FIXTURES + 'input/series-v3.mbox'])).code).toBe(1);
    expect((await run(['check', '--fail-on', 'never', FIXTURES + 'input/domctl.patch'])).code).toBe(0);
  });

  it('2 for usage errors', async () => {
    for (const args of [['check', '--format', 'xml', 'x'], ['check', '--fail-on', 'fatal', 'x'], ['check', '--no-such-option'], ['no-such-command']]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toMatch(STACK);
    }
  });

  it('2 for an unreadable input, listed in errors with the rest still reported', async () => {
    const r = await run(['check', '--format', 'json', FIXTURES + 'input/series-v3.mbox', join(dir, 'missing.mbox'), dir]);
    expect(r.code).toBe(2);
    expect(json(r).patches).toHaveLength(4);
    expect(json(r).errors.map((e) => e.reason)).toEqual(['no such file', 'is a directory']);
  });

  it('never prints a stack trace for any malformed fixture, and always prints one JSON document', async () => {
    const names = readdirSync(FIXTURES + 'malformed');
    const runs = await Promise.all(names.map((name) => run(['check', '--format', 'json', FIXTURES + 'malformed/' + name])));
    for (const [i, name] of names.entries()) {
      const r = runs[i]!;
      expect(r.stderr, name).toBe('');
      expect([0, 1, 2], name).toContain(r.code);
      expect(json(r).version, name).toBe(1);
    }
  }, 480_000);
});

describe('formats', () => {
  it('text: checkpatch-like blocks and a summary line', async () => {
    const r = await run(['check', FIXTURES + 'input/domctl.patch']);
    expect(r.stdout).toMatch(/^ERROR: altp2m-domctl: /m);
    expect(r.stdout).toMatch(/^FILE: xen\/include\/public\/domctl\.h:9$/m);
    expect(r.stdout).toMatch(/^\+#define XEN_DOMCTL_altp2m_get_views {14}89$/m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^total: \d+ errors?, \d+ warnings?, \d+ notes?; 1 patch in 1 series, 1 message read, 0 input errors$/);
  });

  it('json: version 1, every message listed with messageId, subject, series, files, findings', async () => {
    const r = await run(['check', '--format', 'json', FIXTURES + 'input/series-v3.mbox', FIXTURES + 'input/domctl.patch']);
    const report = json(r);
    expect(report.version).toBe(1);
    expect(report.patches.map((p) => [p.kind, p.messageId !== null])).toEqual([
      ['cover', true],
      ['patch', true],
      ['patch', true],
      ['patch', true],
      ['patch', true],
    ]);
    const domctl = report.patches[4]!;
    expect(domctl.findings[0]).toMatchObject({ rule: 'altp2m-domctl', severity: 'error', side: 'new', line: 9 });
    expect(report.patches[3]!.files).toContainEqual({ path: 'tools/tests/blob.bin', additions: 0, deletions: 0, binary: true });
  });

  it('sarif: 2.1.0 with the tool, its rules and one result per finding', async () => {
    const r = await run(['check', '--format', 'sarif', FIXTURES + 'input/domctl.patch']);
    const sarif = JSON.parse(r.stdout) as {
      version: string;
      runs: { tool: { driver: { name: string; rules: { id: string; fullDescription: { text: string } }[] } }; results: { ruleId: string; level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[]; partialFingerprints: Record<string, string> }[] }[];
    };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs).toHaveLength(1);
    const [runObj] = sarif.runs;
    expect(runObj!.tool.driver.name).toBe('patchsentry');
    expect(runObj!.tool.driver.rules.map((rule) => rule.id)).toContain('altp2m-domctl');
    for (const rule of runObj!.tool.driver.rules) expect(rule.fullDescription.text, rule.id).toBe(rule.fullDescription.text.trim());
    expect(runObj!.results.length).toBeGreaterThan(0);
    for (const result of runObj!.results) {
      expect(runObj!.tool.driver.rules.map((rule) => rule.id)).toContain(result.ruleId);
      expect(['error', 'warning', 'note']).toContain(result.level);
      expect(result.message.text.length).toBeGreaterThan(0);
      expect(result.locations[0]!.physicalLocation.artifactLocation.uri).toBe('xen/include/public/domctl.h');
      expect(result.locations[0]!.physicalLocation.region.startLine).toBeGreaterThanOrEqual(1);
      expect(Object.values(result.partialFingerprints)[0]).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(r.code).toBe(1);
  });
});

describe('config file', () => {
  const withConfig = async (yaml: string, args: string[] = []) => {
    const file = join(dir, `c${Math.random().toString(36).slice(2)}.yml`);
    writeFileSync(file, yaml);
    return run(['check', '--config', file, ...args, FIXTURES + 'input/domctl.patch']);
  };

  it.each([
    ['rules: [unclosed', /config: .*not valid YAML/],
    ['colour: red\n', /config: .*unknown key "colour"/],
    ['rules:\n  altp2m-nonsense: off\n', /config: .*unknown rule "altp2m-nonsense"/],
    ['rules:\n  altp2m-domctl: { severity: fatal }\n', /config: .*rules\.altp2m-domctl\.severity: "fatal" is not one of error, warning, info/],
    ['rules:\n  altp2m-new-subop: onn\n', /config: .*rules\.altp2m-new-subop: "onn" is not one of off, on, error, warning, info/],
    ['watch: xen/\n', /config: .*"watch" must be a list of path globs/],
    ['waivers:\n  - rule: altp2m-domctl\n    subject: "("\n    reason: x\n', /config: .*waivers\[0\]\.subject is not a valid regular expression/],
  ])('%j is refused with a clear message and exit 2', async (yaml, message) => {
    const r = await withConfig(yaml);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('a missing --config file is exit 2', async () => {
    const r = await run(['check', '--config', join(dir, 'nope.yml'), FIXTURES + 'input/domctl.patch']);
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/config: .*nope\.yml: cannot read: ENOENT/)]);
  });

  it('a valid config turns a rule off or lowers its severity', async () => {
    expect((await withConfig('rules:\n  altp2m-domctl: off\n')).code).toBe(0);
    const lowered = await withConfig('rules:\n  altp2m-domctl: warning\n', ['--format', 'json']);
    expect(lowered.code).toBe(0);
    expect(json(lowered).patches[0]!.findings.map((f) => f.severity)).toEqual(expect.arrayContaining(['warning']));
    expect(json(lowered).patches[0]!.findings.some((f) => f.severity === 'error')).toBe(false);
  });
});

describe('progress bar', () => {
  const many = Buffer.concat(Array.from({ length: 300 }, () => fixture('input/series-v3.mbox')));

  it('never appears when stderr is not a TTY', async () => {
    for (const format of ['text', 'json', 'sarif']) {
      const r = await run(['check', '--format', format, '-'], many);
      expect(r.stderr, format).toBe('');
      expect(r.stdout, format).not.toContain('messages read\r');
    }
  }, 480_000);

  it('never appears in JSON output even on a terminal', async () => {
    const mbox = join(dir, 'many.mbox');
    writeFileSync(mbox, many);
    // script(1) gives the process a pseudo-terminal for stdout and stderr.
    const out = runCliOnTerminal(['check', '--format', 'json', mbox]);
    expect(out).not.toContain('\u001b[K');
    expect(out).not.toMatch(/\d+ messages read/);
    expect((JSON.parse(out.replace(/\r\n/g, '\n')) as JsonReport).summary.messages).toBe(1200);
  });

  it('appears on a terminal for long text runs, and is cleared before the report', async () => {
    const mbox = join(dir, 'many.mbox');
    writeFileSync(mbox, many);
    const out = runCliOnTerminal(['check', mbox]);
    const bar = out.indexOf('\r\u001b[K');
    expect(bar).toBeGreaterThanOrEqual(0);
    expect(out.slice(bar + 4)).toMatch(/^\d+ messages read/);
    expect(out).toMatch(/total: .* 1200 messages read/);
  });
});

describe('a reader that goes away', () => {
  const many = Buffer.concat(Array.from({ length: 300 }, () => fixture('input/series-v3.mbox')));

  it.each(['json', 'text'])('`check --format %s | head` stops quietly with the SIGPIPE status', async (format) => {
    const mbox = join(dir, `pipe-${format}.mbox`);
    writeFileSync(mbox, many);
    let bytes = 0;
    // Like head: take the first chunk, then close the pipe.
    const child = startCli(['check', '--format', format, mbox], { stdin: null, keepStdout: false });
    child.child.stdout!.once('data', (d: string) => {
      bytes = Buffer.byteLength(d);
      child.child.stdout!.destroy();
    });
    const { code, stderr } = await child.exited;
    expect(bytes).toBeGreaterThan(0);
    expect(stderr).toBe('');
    expect(code).toBe(141);
  }, 240_000);
});
