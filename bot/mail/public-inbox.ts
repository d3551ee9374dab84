import { readdir, realpath, stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { git, gitMaybe, gitStream } from '../git/git.js';
import type { MailState } from './state.js';
import { sleep, type IncomingMail, type MailSource } from './source.js';

/**
 * A public-inbox v2 archive followed as a mailbox: lore.kernel.org serves each list as one,
 * and grokmirror keeps a local mirror of it (docs/public-inbox.md). The layout:
 *
 *     DIR/git/0.git, DIR/git/1.git, ...   "epochs": git repositories, a new one every ~1 GB
 *
 * each commit of an epoch's `master` is one message: its tree holds the message as blob `m`,
 * or blob `d` when the commit deletes one (spam removed, a message purged). Commits are read
 * in order from a cursor per epoch, kept in the state (the last commit handled, and its time),
 * so a restart goes on where it stopped, and a `git fetch` that only adds commits is read
 * from there. A rewritten epoch (public-inbox-purge; the cursor no longer an ancestor) is read
 * again from the cursor's time, and the Message-IDs in the state keep those messages from
 * being reviewed twice.
 *
 * A fresh follower starts from now (the messages already in the archive are not reviewed),
 * unless `since` asks for a backfill from a date (commit times are the messages' dates).
 * Epochs that appear later are read from their start. git runs with argument arrays only:
 * object ids git printed itself and paths of the archive, never text from a message.
 */

/** Commits read at once: about 2.5 MB of patch mail, whatever the archive holds. */
const BATCH = 200;

interface Cursor {
  /** The last commit handled; null: none yet (read from the epoch's start). */
  readonly commit: string | null;
  /** Its commit time (seconds), to go on from after a rewrite. */
  readonly time: number;
  /** Only commits at or after this time (seconds): a backfill with --since. */
  readonly since?: number;
}

interface Entry {
  readonly epoch: number;
  readonly commit: string;
  readonly time: number;
}

export interface PublicInboxOptions {
  /** Backfill: review messages dated from this time (ms since the epoch) on. */
  readonly since?: number;
  readonly log: (line: string) => void;
}

export class PublicInboxSource implements MailSource {
  private pending = false;

  private constructor(
    private readonly dir: string,
    private readonly state: MailState,
    private readonly options: PublicInboxOptions,
  ) {}

  static async create(dir: string, state: MailState, options: PublicInboxOptions): Promise<PublicInboxSource> {
    let root: string;
    try {
      root = await realpath(dir);
      if (!(await stat(join(root, 'git'))).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new Error(`--public-inbox: ${dir} is not a public-inbox v2 archive (no ${join(dir, 'git')}/<N>.git)`);
    }
    const source = new PublicInboxSource(root, state, options);
    await source.start();
    return source;
  }

  private get startKey(): string {
    return `public-inbox:${this.dir}`;
  }

  private cursorKey(epoch: number): string {
    return `public-inbox:${this.dir}:${epoch}`;
  }

  private cursor(epoch: number): Cursor | null {
    const saved = this.state.getMeta(this.cursorKey(epoch));
    return saved === null ? null : (JSON.parse(saved) as Cursor);
  }

  private setCursor(epoch: number, cursor: Cursor): void {
    this.state.setMeta(this.cursorKey(epoch), JSON.stringify(cursor));
  }

  /** The first run on this archive: start from now, or from `since`. */
  private async start(): Promise<void> {
    if (this.state.getMeta(this.startKey) !== null) return;
    const since = this.options.since === undefined ? undefined : Math.floor(this.options.since / 1000);
    let skipped = 0;
    for (const epoch of await this.epochs()) {
      const head = await this.head(epoch);
      if (head === null) continue;
      if (since === undefined) {
        skipped += Number((await git(['rev-list', '--count', head.commit], { cwd: this.gitDir(epoch) })).trim());
        this.setCursor(epoch, head);
      } else this.setCursor(epoch, { commit: null, time: 0, since });
    }
    this.state.setMeta(this.startKey, JSON.stringify({ started: true, since: since ?? null }));
    if (since === undefined) this.options.log(`public-inbox: following from now; the ${skipped} messages already in ${this.dir} are not reviewed (--since DATE reviews them)`);
    else this.options.log(`public-inbox: reviewing the messages of ${this.dir} dated from ${new Date(since * 1000).toISOString()} on`);
  }

  private gitDir(epoch: number): string {
    return join(this.dir, 'git', `${epoch}.git`);
  }

  /** The epochs present, in order. */
  private async epochs(): Promise<number[]> {
    const names = await readdir(join(this.dir, 'git'));
    return names
      .map((n) => /^(\d+)\.git$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }

  private async head(epoch: number): Promise<{ commit: string; time: number } | null> {
    const out = await gitMaybe(['log', '-1', '--format=%H %ct', 'HEAD'], { cwd: this.gitDir(epoch) });
    const m = out === null ? null : /^([0-9a-f]{40,64}) (\d+)/.exec(out);
    return m ? { commit: m[1]!, time: Number(m[2]) } : null;
  }

  /** The commits after the cursor, oldest first: `time commit` pairs from rev-list. */
  private async newCommits(epoch: number): Promise<Entry[]> {
    const head = await this.head(epoch);
    if (head === null) return [];
    const cwd = this.gitDir(epoch);
    let cursor = this.cursor(epoch);
    let since = cursor?.since;
    let range = head.commit;
    if (cursor?.commit) {
      if (cursor.commit === head.commit) return [];
      if ((await gitMaybe(['merge-base', '--is-ancestor', cursor.commit, head.commit], { cwd })) !== null) range = `${cursor.commit}..${head.commit}`;
      else {
        // Rewritten (purged) history: go on from the cursor's time; the state's Message-IDs
        // keep what was reviewed from being reviewed again.
        this.options.log(`public-inbox: ${epoch}.git was rewritten (commit ${cursor.commit.slice(0, 12)} is gone); reading its messages dated from ${new Date(cursor.time * 1000).toISOString()} on`);
        since = cursor.time;
        cursor = { commit: null, time: cursor.time, since };
        this.setCursor(epoch, cursor);
      }
    } else if (cursor === null) this.options.log(`public-inbox: new epoch ${epoch}.git, read from its start`);
    const out = await git(['rev-list', '--reverse', '--timestamp', range], { cwd });
    const entries: Entry[] = [];
    for (const line of out.split('\n')) {
      const m = /^(\d+) ([0-9a-f]{40,64})$/.exec(line);
      if (!m) continue;
      const time = Number(m[1]);
      if (since !== undefined && time < since) continue;
      entries.push({ epoch, commit: m[2]!, time });
    }
    // A backfill that found nothing in this epoch: nothing older will be wanted either.
    if (entries.length === 0 && cursor?.commit == null) this.setCursor(epoch, head);
    return entries;
  }

  async fetchNew(): Promise<IncomingMail[]> {
    this.pending = false;
    const out: IncomingMail[] = [];
    for (const epoch of await this.epochs()) {
      const entries = await this.newCommits(epoch);
      if (entries.length === 0) continue;
      const batch = entries.slice(0, BATCH - out.length);
      out.push(...(await this.read(epoch, batch)));
      if (batch.length < entries.length || out.length >= BATCH) {
        this.pending = true;
        break;
      }
    }
    return out;
  }

  /** The messages of a run of commits of one epoch; deletions move the cursor past them. */
  private async read(epoch: number, entries: readonly Entry[]): Promise<IncomingMail[]> {
    const blobs = await catFile(this.gitDir(epoch), entries.map((e) => `${e.commit}:m`));
    const mails: IncomingMail[] = [];
    // Where each message's `done` takes the cursor: past the deletions that follow it.
    let last: { advanceTo: Entry } | null = null;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const raw = blobs[i];
      if (raw) {
        const item = { advanceTo: entry };
        last = item;
        mails.push({
          label: `${epoch}.git ${entry.commit.slice(0, 12)}`,
          raw,
          done: async () => this.setCursor(epoch, { commit: item.advanceTo.commit, time: item.advanceTo.time }),
        });
        continue;
      }
      const deleted = (await gitMaybe(['cat-file', '-e', `${entry.commit}:d`], { cwd: this.gitDir(epoch) })) !== null;
      this.options.log(`public-inbox: ${epoch}.git ${entry.commit.slice(0, 12)} ${deleted ? 'deletes a message: skipped' : 'holds neither m nor d: skipped'}`);
      if (last) last.advanceTo = entry;
      else this.setCursor(epoch, { commit: entry.commit, time: entry.time });
    }
    return mails;
  }

  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending) return; // the rest of a backlog: no pause between batches
    const timer = sleep(ms, signal);
    const watchers: FSWatcher[] = [];
    // inotify wakes us when an epoch's branch moves or a new epoch appears; the timer is the
    // fallback where it is not available (and for a mirror updated by a packed-refs rewrite).
    const watchDir = (path: string): void => {
      try {
        watchers.push(watch(path, () => timer.wake()));
      } catch {
        // not watchable: polled
      }
    };
    watchDir(join(this.dir, 'git'));
    for (const epoch of await this.epochs().catch(() => [])) {
      watchDir(join(this.gitDir(epoch), 'refs', 'heads'));
      watchDir(this.gitDir(epoch));
    }
    await timer.promise;
    for (const w of watchers) w.close();
  }

  async close(): Promise<void> {}
}

/**
 * `git cat-file --batch` over the queries (`<commit>:m`): the blob of each, or null where git
 * says it is missing. One git process for the whole list.
 */
async function catFile(gitDir: string, queries: readonly string[]): Promise<(Buffer | null)[]> {
  const run = gitStream(['cat-file', '--batch'], { cwd: gitDir, input: queries.map((q) => `${q}\n`).join('') });
  const chunks: Buffer[] = [];
  for await (const chunk of run.stdout) chunks.push(chunk as Buffer);
  await run.done;
  const all = Buffer.concat(chunks);
  const out: (Buffer | null)[] = [];
  let at = 0;
  for (let i = 0; i < queries.length; i++) {
    const nl = all.indexOf(0x0a, at);
    if (nl < 0) throw new Error(`git cat-file: output ends early (${i} of ${queries.length} objects)`);
    const header = all.subarray(at, nl).toString('latin1');
    at = nl + 1;
    const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!m) {
      out.push(null); // "<query> missing" (or ambiguous)
      continue;
    }
    const size = Number(m[2]);
    out.push(m[1] === 'blob' ? Buffer.from(all.subarray(at, at + size)) : null);
    at += size + 1;
  }
  return out;
}
