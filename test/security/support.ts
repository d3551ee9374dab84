// The built CLI and the committed Action bundle as processes, for the security tests.
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import { BIN, Proc as AnyProc, ROOT, type ProcOptions, type Run } from '../support/cli.js';

export { BIN, ROOT, type Run };
export const ACTION = join(ROOT, 'action/dist/index.js');

/** stdout and stderr together: everything a log or a terminal would get. */
export const everything = (r: Run): string => `${r.stdout}\n${r.stderr}`;

/** A stack frame as Node prints it. */
export const STACK = /\n\s+at .+:\d+:\d+\)?/;

export interface RunOptions {
  /** The whole environment (nothing is inherited but PATH, so no real token leaks in). */
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  readonly stdin?: Buffer | string;
  /** A last resort against a hung process (see test/support/cli.ts); default 120 s. */
  readonly timeoutMs?: number;
}

const procOptions = (options: RunOptions): ProcOptions => ({
  cwd: options.cwd,
  stdin: options.stdin,
  env: { PATH: process.env['PATH'] ?? '', ...options.env },
  killAfterMs: options.timeoutMs ?? 120_000,
});

/** A long-running process (serve, watch) whose output can be waited on, with only PATH inherited. */
export class Proc extends AnyProc {
  constructor(script: string, args: readonly string[], options: RunOptions = {}) {
    super(script, args, procOptions(options));
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
