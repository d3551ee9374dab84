// The built CLI and the committed Action bundle as processes, for the security tests.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin/patchsentry.js');
export const ACTION = join(ROOT, 'action/dist/index.js');

/** CI builds in `npm ci` (prepare); a fresh checkout without dist/ builds here. */
export function ensureBuilt(): void {
  if (!existsSync(join(ROOT, 'dist/bot/cli/main.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT });
}

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** stdout and stderr together: everything a log or a terminal would get. */
export const everything = (r: Run): string => `${r.stdout}\n${r.stderr}`;

/** A stack frame as Node prints it. */
export const STACK = /\n\s+at .+:\d+:\d+\)?/;

export interface RunOptions {
  /** The whole environment (nothing is inherited but PATH, so no real token leaks in). */
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  readonly stdin?: Buffer | string;
  readonly timeoutMs?: number;
}

/** A long-running process (serve, watch) whose output can be waited on. */
export class Proc {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Run>;
  private readonly child: ChildProcess;

  constructor(script: string, args: readonly string[], options: RunOptions = {}) {
    this.child = spawn(process.execPath, [script, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env['PATH'] ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), options.timeoutMs ?? 45_000);
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
    this.child.stdin!.end(options.stdin ?? '');
  }

  /** Waits until the output matches, or the process ends, or `ms` pass. */
  async waitFor(pattern: RegExp, ms = 30_000): Promise<RegExpMatchArray> {
    const end = Date.now() + ms;
    let done = false;
    void this.exited.then(() => (done = true));
    for (;;) {
      const m = pattern.exec(`${this.stdout}\n${this.stderr}`);
      if (m) return m;
      if (done) throw new Error(`exited before ${pattern}: ${this.stdout}\n${this.stderr}`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${pattern}: ${this.stdout}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** SIGTERM, then the process's end. */
  async stop(): Promise<Run> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

/** Runs `node script args...` to its end. */
export function runNode(script: string, args: readonly string[], options: RunOptions = {}): Promise<Run> {
  return new Proc(script, args, options).exited;
}

/** Runs the built CLI to its end. */
export function cli(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  return runNode(BIN, args, options);
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released): connecting is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64').replace(/=+$/, '');

/**
 * The ways a secret can show up in text: as it is, percent-encoded (in a URL), base64 and hex
 * alone, and — given the user — as SMTP AUTH PLAIN (`\0user\0pass`, RFC 4616), HTTP Basic
 * (`user:pass`) and `user\0user\0pass` put it on the wire.
 */
export function secretForms(secret: string, user?: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), encodeURI(secret), b64(secret), Buffer.from(secret).toString('hex')]);
  if (user !== undefined) for (const wire of [`\0${user}\0${secret}`, `${user}\0${user}\0${secret}`, `${user}:${secret}`]) forms.add(b64(wire));
  return [...forms];
}

/** No form of any secret anywhere in the text; the failure names the form found, not just "false". */
export function expectNoSecret(text: string, secrets: readonly string[]): void {
  const found = secrets.filter((s) => text.includes(s));
  expect(found, `secret form(s) found in:\n${text}`).toEqual([]);
}
