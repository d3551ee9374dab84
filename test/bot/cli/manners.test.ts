// The built CLI's manners, as git and checkpatch users expect them: a failed write is one line
// and exit 2, input errors reach the terminal, -j is checked, colours and width follow the
// terminal and NO_COLOR / TERM=dumb / --no-color, a bare `check` says it reads the terminal,
// and network commands fail at once naming the host.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli, type Run } from '../../support/cli.js';
import { FIXTURES } from '../../ingest/read.js';

const STACK = /\n\s+at .+:\d+:\d+\)?/;
const DOMCTL = FIXTURES + 'input/domctl.patch';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ps-manners-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI with its stdout going to `path` (a file or a device), as `> path` does. */
function runInto(path: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const out = path;
    const child = spawn('sh', ['-c', `exec "$0" "$@" > "${out}"`, process.execPath, BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: '', stderr }));
  });
}

/**
 * The CLI on a pseudo-terminal of `columns` columns (script(1)), with this environment;
 * `input` is typed at the terminal. Returns what the terminal showed and the exit status.
 */
function onTerminal(args: string[], options: { env?: NodeJS.ProcessEnv; columns?: number; input?: string } = {}): { shown: string; code: number } {
  const command = `stty cols ${options.columns ?? 100}; exec ${process.execPath} ${BIN} ${args.join(' ')}`;
  try {
    const shown = execFileSync('script', ['-qec', command, '/dev/null'], { cwd: ROOT, encoding: 'utf8', env: options.env ?? process.env, input: options.input ?? '' });
    return { shown: shown.replace(/\r\n/g, '\n'), code: 0 };
  } catch (error) {
    const { stdout, status } = error as { stdout: string; status: number };
    return { shown: stdout.replace(/\r\n/g, '\n'), code: status };
  }
}

const noColorEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
  delete env['NO_COLOR'];
  return env;
};

describe('a failed write to stdout', () => {
  it.skipIf(!existsSync('/dev/full')).each(['text', 'json', 'sarif'])('`check --format %s > /dev/full` is one line on stderr and exit 2', async (format) => {
    const r = await runInto('/dev/full', ['check', '--format', format, FIXTURES + 'input/series-v3.mbox']);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).toMatch(/^patchsentry: cannot write the report: ENOSPC: no space left on device\n$/);
    expect(r.code).toBe(2);
  });
});

describe('input errors', () => {
  it('`check missing.mbox > report.txt` says the error on stderr, one line naming the input, and keeps it in the report', async () => {
    const report = join(dir, 'report.txt');
    const missing = join(dir, 'missing.mbox');
    const r = await runInto(report, ['check', '--fail-on', 'never', DOMCTL, missing, FIXTURES + 'malformed/not-mail.txt']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      `patchsentry: ${missing}: no such file`,
      expect.stringMatching(new RegExp(`^patchsentry: ${FIXTURES}malformed/not-mail\\.txt, message 1: neither a mail message nor a diff`)),
    ]);
    const text = readFileSync(report, 'utf8');
    expect(text).toContain(`INPUT ERROR: ${missing}: no such file`);
    expect(text).toMatch(/1 patch in 1 series, 1 message read, 2 input errors\n$/);
  });

  it('json and sarif keep them in the document only', async () => {
    const r = await runCli(['check', '--format', 'json', join(dir, 'missing.mbox')]);
    expect([r.code, r.stderr]).toEqual([2, '']);
  });
});

describe('-j', () => {
  const max = availableParallelism();
  it.each([['abc'], ['-1'], [String(max + 1)], ['64'], ['1.5'], ['']])('-j %j is a usage error naming the range', async (value) => {
    if (value === '64' && max >= 64) return;
    const r = await runCli(['check', '-j', value, DOMCTL]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`expected a whole number from 0 to ${max}`);
  });

  it.each([['0'], [String(max)]])('-j %s is fine', async (value) => {
    const r = await runCli(['check', '--format', 'json', '-j', value, DOMCTL]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ summary: { messages: 1 } });
  });
});

describe('colour and width', () => {
  it('colours on a terminal, not with NO_COLOR, TERM=dumb or --no-color', () => {
    expect(onTerminal(['check', DOMCTL], { env: noColorEnv() }).shown).toContain('\u001b[31mERROR\u001b[0m');
    expect(onTerminal(['check', DOMCTL], { env: { ...noColorEnv(), NO_COLOR: '1' } }).shown).not.toContain('\u001b[31m');
    expect(onTerminal(['check', DOMCTL], { env: { ...noColorEnv(), TERM: 'dumb' } }).shown).not.toContain('\u001b[31m');
    expect(onTerminal(['check', '--no-color', DOMCTL], { env: noColorEnv() }).shown).not.toContain('\u001b[');
  });

  it('wraps to the terminal width; off a terminal, to $COLUMNS when set, else not at all (a subject, a diff line, a link is never cut)', async () => {
    const shown = onTerminal(['check', '--no-color', DOMCTL], { columns: 60 }).shown;
    const message = shown.split('\n').filter((l) => l.startsWith('ERROR: ') || l.startsWith('  '));
    expect(message.length).toBeGreaterThan(4);
    for (const line of message) expect(line.length).toBeLessThanOrEqual(60);
    const piped = await runCli(['check', DOMCTL], { env: { ...process.env, COLUMNS: '' } });
    expect(piped.stdout.split('\n').filter((l) => l.startsWith('  '))).toEqual([]);
    const columns = await runCli(['check', DOMCTL], { env: { ...process.env, COLUMNS: '72' } });
    expect(Math.max(...columns.stdout.split('\n').filter((l) => !/^(?:\+|\[PATCH\]|lore: |patchew: )/.test(l)).map((l) => l.length))).toBeLessThanOrEqual(72);
  });

  it('says 1 patch and 1 message', async () => {
    const r = await runCli(['check', DOMCTL]);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('total: 2 errors, 0 warnings, 0 notes; 1 patch in 1 series, 1 message read, 0 input errors');
  });
});

describe('a bare check on a terminal', () => {
  it('says it reads a patch or mbox from stdin and how to end it', () => {
    const { shown, code } = onTerminal(['check'], { input: '\u0004' });
    expect(shown).toMatch(/^patchsentry: reading a patch or mbox from stdin \(the terminal\); end it with Ctrl-D, abort with Ctrl-C$/m);
    expect(code).toBe(2); // nothing was typed: an empty input
  });

  it('says nothing when stdin is a pipe', async () => {
    const r = await runCli(['check', '--format', 'json', '--fail-on', 'never'], { stdin: readFileSync(DOMCTL) });
    expect(r.stderr).toBe('');
  });
});

describe('network commands', () => {
  it('github without a reachable API fails at once, one line naming the host and never the token', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = await runCli(['github', '--dry-run', '--repo', 'xen-project/xen', '--pr', '7'], { env: { ...process.env, GITHUB_API_URL: `http://127.0.0.1:${port}`, GITHUB_TOKEN: 'ghp_s3cr3tT0ken' } });
    expect(r.stderr).toBe(`patchsentry github: cannot reach 127.0.0.1:${port}: connection refused\n`);
    expect(r.code).toBe(2);
  });

  it('errors of a command are prefixed once', async () => {
    const env = { ...process.env };
    for (const name of ['GITHUB_APP_ID', 'GITHUB_PRIVATE_KEY', 'GITHUB_WEBHOOK_SECRET']) delete env[name];
    const r = await runCli(['serve', '--port', '0'], { env });
    expect([r.code, r.stderr]).toEqual([2, 'patchsentry serve: GITHUB_APP_ID is not set\n']);
  });
});

describe('sarif', () => {
  it('anchors a finding on removed lines at the nearest line of the new file, the old line kept', async () => {
    const r = await runCli(['check', '--format', 'sarif', '--fail-on', 'never', FIXTURES + 'rules/altp2m-doc-warning--fires--paragraph-deleted.mbox']);
    const results = (JSON.parse(r.stdout) as { runs: { results: { ruleId: string; message: { text: string }; locations: { physicalLocation: { region: { startLine: number } } }[]; properties: Record<string, unknown> }[] }[] }).runs[0]!.results;
    expect(results.map((x) => [x.ruleId, x.locations[0]!.physicalLocation.region.startLine, x.properties['side'], x.properties['oldLine']])).toEqual([['altp2m-doc-warning', 4555, 'old', 4556]]);
    expect(results[0]!.message.text).toMatch(/\(removed: line 4556 of the old file\)$/);
  });
});
