// The plumbing of the small git repositories the tests build with the real `git`
// (test/support/xen-repo.ts, test/support/altp2m-branch.ts): git run in the tree with a
// given environment, and files written or edited in its work tree.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface GitTree {
  readonly dir: string;
  /** git with these arguments in the tree; its standard output. */
  readonly git: (...args: string[]) => string;
  readonly write: (path: string, text: string) => void;
  /** Replaces `from` in the file with `to`; throws when the file does not hold `from`. */
  readonly edit: (path: string, from: string, to: string) => void;
}

/** `env` is asked for each git run (a test may move the clock between commits). */
export function gitTree(dir: string, env: () => NodeJS.ProcessEnv, config: readonly string[] = []): GitTree {
  const git = (...args: string[]): string => execFileSync('git', [...config, ...args], { cwd: dir, env: env(), encoding: 'utf8', maxBuffer: 1 << 26 });
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  const edit = (path: string, from: string, to: string): void => {
    const text = readFileSync(join(dir, path), 'utf8');
    if (!text.includes(from)) throw new Error(`${path}: no "${from}" to edit`);
    write(path, text.replace(from, to));
  };
  return { dir, git, write, edit };
}
