/**
 * The one way the tests run the built CLI (or another script, such as the Action bundle) as a
 * process. `dist/` is built once per test run by test/support/build.ts (the integration
 * project's global setup), so what runs here is never older than the sources.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin/patchsentry.js');

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ProcOptions {
  /** The whole environment of the process; by default this process's. */
  readonly env?: NodeJS.ProcessEnv;
  /** Default: the repository root. */
  readonly cwd?: string;
  /** Written to stdin, which is then closed (empty by default); null gives it /dev/null. */
  readonly stdin?: Buffer | string | null;
  /** Leave stdin open (and `stdin` unwritten): for a process that must not see its end. */
  readonly keepStdinOpen?: boolean;
  /** Run as this user and group (the test runs as root). */
  readonly uid?: number;
  readonly gid?: number;
  /** Options for node itself, before the script (e.g. `--max-old-space-size=64`). */
  readonly nodeArgs?: readonly string[];
  /** Each chunk of stdout as it arrives (decoded as UTF-8). */
  readonly onStdout?: (chunk: string) => void;
  /** Keep stdout in `stdout` (default true; false for outputs too large to hold). */
  readonly keepStdout?: boolean;
  /**
   * A last resort against a hung process: SIGKILL after this long (none by default). It only
   * ends a test that would otherwise hang; leave it far above what the process needs on a
   * busy machine.
   */
  readonly killAfterMs?: number;
}

/** A process running `node [nodeArgs] script args...`, its output collected as it comes. */
export class Proc {
  stdout = '';
  stderr = '';
  readonly child: ChildProcess;
  /** Resolves when the process has ended and its output is read. */
  readonly exited: Promise<Run>;
  private readonly changed = new Set<() => void>();

  constructor(script: string, args: readonly string[], options: ProcOptions = {}) {
    const stdin = options.stdin === null ? 'ignore' : 'pipe';
    this.child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: [stdin, 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    });
    const keep = options.keepStdout ?? true;
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (keep) this.stdout += d;
      options.onStdout?.(d);
      this.notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
      this.notify();
    });
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => this.child.kill('SIGKILL'), options.killAfterMs);
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.notify();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
    if (this.child.stdin) {
      // A process that exits without reading its stdin closes the pipe: not an error here.
      this.child.stdin.on('error', () => undefined);
      if (!options.keepStdinOpen) this.child.stdin.end(options.stdin ?? '');
    }
  }

  /** Still running (not exited, not killed). */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Resolves with the first match of `pattern` in stdout and stderr (joined by a newline) as
   * soon as the output contains it; rejects if the process ends first or `ms` pass.
   */
  waitFor(pattern: RegExp, ms = 60_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      let ended = false;
      const check = (): void => {
        const m = pattern.exec(`${this.stdout}\n${this.stderr}`);
        if (m) return done(() => resolve(m));
        if (ended) return done(() => reject(new Error(`exited before ${pattern}: ${this.stdout}\n${this.stderr}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`timed out after ${ms} ms waiting for ${pattern}: ${this.stdout}\n${this.stderr}`))), ms);
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        this.changed.delete(check);
        settle();
      };
      void this.exited.then(
        () => ((ended = true), check()),
        () => ((ended = true), check()),
      );
      this.changed.add(check);
      check();
    });
  }

  /** SIGTERM (if still running), then the process's end. */
  async stop(): Promise<Run> {
    if (this.running) this.child.kill('SIGTERM');
    return this.exited;
  }

  private notify(): void {
    for (const check of [...this.changed]) check();
  }
}

/** Runs `node script args...` to its end. */
export function runNode(script: string, args: readonly string[], options: ProcOptions = {}): Promise<Run> {
  return new Proc(script, args, options).exited;
}

/** Starts the built CLI (bin/patchsentry.js) as a process. */
export function startCli(args: readonly string[], options: ProcOptions = {}): Proc {
  return new Proc(BIN, args, options);
}

/** Runs the built CLI to its end. */
export function runCli(args: readonly string[], options: ProcOptions = {}): Promise<Run> {
  return runNode(BIN, args, options);
}

/**
 * Runs the built CLI on a pseudo-terminal (script(1) gives it one for stdout and stderr) and
 * returns what the terminal showed. The arguments must need no shell quoting.
 */
export function runCliOnTerminal(args: readonly string[]): string {
  return execFileSync('script', ['-qec', [process.execPath, BIN, ...args].join(' '), '/dev/null'], { encoding: 'utf8', maxBuffer: 1 << 28 });
}
