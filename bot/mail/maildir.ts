import { readdir, readFile, rename } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { join, resolve } from 'node:path';
import { sleep, type IncomingMail, type MailSource } from './source.js';

/** What the Maildir reader needs of the state. */
export interface MaildirMemory {
  /** The message is in the state already (reviewed, or held for its series). */
  known(raw: Buffer): boolean;
  getMeta(key: string): string | null;
  setMeta(key: string, value: string): void;
}

type Sub = 'new' | 'cur';

/**
 * A Maildir (the qmail layout Dovecot, Postfix and procmail write). New mail appears in `new/`;
 * a mail reader (an IMAP client through Dovecot) moves what it has shown to `cur/`, adding
 * `:2,<flags>` to the name, and may rename it there again as flags change. So both folders are
 * read, a message is known by its unique name (the part before `:`), and one that is in the
 * state already (reviewed before a restart) is passed over without a word.
 *
 * Handled mail in `new/` is moved to `cur/` with the Seen flag (`:2,S`), as a mail reader would;
 * a dry run (`readOnly`) moves nothing.
 *
 * The first watch of a Maildir on a state starts from now: what is there already comes back
 * flagged `backlog` (the watch records it as seen, or reviews it with `--backlog review`), and
 * once that is done the state remembers the Maildir as started.
 */
export class MaildirSource implements MailSource {
  /** Unique names handled (or found known) by this process. */
  private readonly seen = new Set<string>();
  private readonly metaKey: string;
  /** Unique names there when a first watch started, until they are all handled; else null. */
  private backlog: Set<string> | null = null;

  private constructor(
    private readonly dir: string,
    private readonly memory: MaildirMemory,
    private readonly readOnly: boolean,
  ) {
    this.metaKey = `maildir:${resolve(dir)}`;
  }

  static async create(dir: string, memory: MaildirMemory, options: { readOnly?: boolean } = {}): Promise<MaildirSource> {
    const source = new MaildirSource(dir, memory, options.readOnly ?? false);
    // Fails early with ENOENT when the folder is not a Maildir. "Now" is this listing: mail
    // delivered after it is new mail, however soon the first look comes.
    const present = [...(await source.list('new')), ...(await source.list('cur'))];
    if (memory.getMeta(source.metaKey) === null) {
      source.backlog = new Set(present.map((f) => f.unique));
      if (source.backlog.size === 0) source.handled(null);
    }
    return source;
  }

  async fetchNew(): Promise<IncomingMail[]> {
    const listed = [...(await this.list('new')), ...(await this.list('cur'))]
      .filter((f) => !this.seen.has(f.unique))
      // Oldest first: a unique name starts with the delivery time (seconds since the epoch).
      .sort((a, b) => compareNames(a.unique, b.unique) || (a.sub === 'new' ? -1 : 1));
    const out: IncomingMail[] = [];
    const taken = new Set<string>();
    for (const file of listed) {
      if (taken.has(file.unique)) continue; // listed in new/ and, moved meanwhile, in cur/ too
      taken.add(file.unique);
      const found = await this.read(file);
      if (found === null) continue; // deleted before we got to it
      // Empty: a writer that skipped tmp/ has created it and not yet written it. Read it again
      // on the next look (its write wakes the loop), never take it for an empty message.
      if (found.raw.length === 0) continue;
      if (this.memory.known(found.raw)) {
        // Reviewed already (a run killed between storing it and moving it): finish the move.
        this.seen.add(file.unique);
        if (found.sub === 'new' && !this.readOnly) await this.toCur(found.name);
        continue;
      }
      const { sub, name } = found;
      out.push({
        label: name,
        raw: found.raw,
        ...(this.backlog?.has(file.unique) ? { backlog: true } : {}),
        done: async () => {
          this.seen.add(file.unique);
          if (sub === 'new' && !this.readOnly) await this.toCur(name);
          this.handled(file.unique);
        },
      });
    }
    // Backlog mail deleted before it was read, or found in the state already, is done with too.
    const there = new Set(listed.map((f) => f.unique));
    for (const unique of this.backlog ?? []) if (this.seen.has(unique) || !there.has(unique)) this.handled(unique);
    return out;
  }

  /**
   * One backlog message less; after the last one the state remembers the Maildir as started
   * (a watch killed half-way through the backlog takes it up again as backlog).
   */
  private handled(unique: string | null): void {
    if (this.backlog === null || (unique !== null && !this.backlog.delete(unique)) || this.backlog.size > 0) return;
    this.memory.setMeta(this.metaKey, JSON.stringify({ started: true }));
    this.backlog = null;
  }

  private async list(sub: Sub): Promise<{ sub: Sub; name: string; unique: string }[]> {
    const names = await readdir(join(this.dir, sub));
    return names.filter((n) => !n.startsWith('.')).map((name) => ({ sub, name, unique: uniqueOf(name) }));
  }

  /**
   * Reads a listed file. A mail reader may have moved it between the listing and now (new/ to
   * cur/, or a flag change renaming it in cur/): it is then read under its new name, found by
   * its unique part; null when it is gone altogether.
   */
  private async read(file: { sub: Sub; name: string; unique: string }): Promise<{ sub: Sub; name: string; raw: Buffer } | null> {
    const tried = new Set<string>();
    let candidate: { sub: Sub; name: string } | undefined = file;
    // A few tries: each retry follows a rename that happened after the listing.
    for (let attempt = 0; candidate && attempt < 4; attempt++) {
      tried.add(`${candidate.sub}/${candidate.name}`);
      try {
        return { ...candidate, raw: await readFile(join(this.dir, candidate.sub, candidate.name)) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      const now = [...(await this.list('cur')), ...(await this.list('new'))];
      candidate = now.find((f) => f.unique === file.unique && !tried.has(`${f.sub}/${f.name}`));
    }
    return null;
  }

  /** new/NAME to cur/NAME:2,S; a reader that moved it first has done that already. */
  private async toCur(name: string): Promise<void> {
    try {
      await rename(join(this.dir, 'new', name), join(this.dir, 'cur', `${uniqueOf(name)}:2,S`));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  async wait(ms: number, signal: AbortSignal): Promise<void> {
    const timer = sleep(ms, signal);
    const watchers: FSWatcher[] = [];
    // inotify wakes us at once (a delivery to new/, a reader's move into cur/); the timer is
    // the fallback where it is not available.
    for (const sub of ['new', 'cur'] as const) {
      try {
        watchers.push(watch(join(this.dir, sub), () => timer.wake()));
      } catch {
        // polling only
      }
    }
    await timer.promise;
    for (const w of watchers) w.close();
  }

  async close(): Promise<void> {}
}

/** `1764000000.M1P2.host:2,S` → `1764000000.M1P2.host` (Maildir's info part dropped). */
function uniqueOf(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(0, colon);
}

/** Delivery order: the leading seconds as a number, then the name. */
function compareNames(a: string, b: string): number {
  const ta = Number.parseInt(a, 10);
  const tb = Number.parseInt(b, 10);
  if (Number.isFinite(ta) && Number.isFinite(tb) && ta !== tb) return ta - tb;
  return a < b ? -1 : a > b ? 1 : 0;
}
