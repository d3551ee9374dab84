import { execFile, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/**
 * The one place that runs a program: `git`, with an argument array (no shell), in a directory
 * the user named. What reaches argv is the user's own command line (a revision range, a
 * directory) or what git itself printed (object ids); nothing from a patch or a message does.
 * Revisions are checked by `revision()` before use, and commands that parse revisions get
 * `--end-of-options`, so a revision can never be read as an option.
 */

/** A git command failed; `message` carries git's own first error line. */
export class GitError extends Error {
  override name = 'GitError';
}

/** Same environment, minus what would make git read or write elsewhere than asked. */
function gitEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', PAGER: 'cat', LC_ALL: 'C' };
  // The caller chooses the repository with -C / --git-dir, not the environment it inherited
  // (a hook or a CI step may have exported these).
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_EXTERNAL_DIFF']) delete clean[name];
  return clean;
}

/** A revision as the user wrote it: never an option, never empty, no control characters. */
export function revision(value: string, what: string): string {
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (value === '' || value.startsWith('-') || /[\u0000-\u001f\u007f]/.test(value)) throw new GitError(`${what}: "${value}" is not a revision`);
  return value;
}

export interface GitOptions {
  /** `-C` directory (a work tree or a bare repository). */
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Written to git's stdin. */
  readonly input?: string;
}

/** Runs git to its end; resolves to stdout, rejects with a GitError naming git's complaint. */
export function git(args: readonly string[], options: GitOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', ['-C', options.cwd, ...args], { env: gitEnv(options.env ?? process.env), maxBuffer: 1 << 28, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new GitError(`git ${args[0] ?? ''}: ${firstLine(stderr) || error.message}`));
      else resolve(stdout);
    });
    // git may exit before reading its stdin: that EPIPE is no failure of ours.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}

/** As `git`, but a failure (a missing ref, a revision that does not resolve) is null. */
export async function gitMaybe(args: readonly string[], options: GitOptions): Promise<string | null> {
  try {
    return await git(args, options);
  } catch (error) {
    if (error instanceof GitError) return null;
    throw error;
  }
}

/**
 * Runs git with its stdout as a stream (a long `format-patch --stdout`, `cat-file --batch`).
 * `done` settles when git has exited: it rejects when git failed, with git's complaint.
 */
export function gitStream(args: readonly string[], options: GitOptions & { readonly stdin?: Readable }): { stdout: Readable; done: Promise<void>; kill: () => void } {
  const child = spawn('git', ['-C', options.cwd, ...args], { env: gitEnv(options.env ?? process.env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d;
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (error) => reject(new GitError(`git ${args[0] ?? ''}: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new GitError(`git ${args[0] ?? ''}: ${firstLine(stderr) || (signal ? `killed by ${signal}` : `exit ${code}`)}`));
    });
  });
  // Nobody may wait on `done` when the reader stopped early; that is not an unhandled error.
  done.catch(() => undefined);
  // git may exit before reading all its stdin (EPIPE here): its exit status tells what happened.
  child.stdin.on('error', () => undefined);
  if (options.stdin) options.stdin.pipe(child.stdin);
  else child.stdin.end(options.input ?? '');
  return {
    stdout: child.stdout,
    done,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? '').trim();
}
