import { readdir, readFile, rename } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { sleep, type IncomingMail, type MailSource } from './source.js';

/**
 * A Maildir (the qmail layout Dovecot, Postfix and procmail write): new mail appears in
 * `new/`; once handled it is moved to `cur/` with the Seen flag (`:2,S`), as a mail reader
 * would, so a restart does not read it again (the state's Message-IDs guard that too).
 */
export class MaildirSource implements MailSource {
  private constructor(private readonly dir: string) {}

  static async create(dir: string): Promise<MaildirSource> {
    // Fails early with ENOENT when the folder is not a Maildir.
    await readdir(join(dir, 'new'));
    await readdir(join(dir, 'cur'));
    return new MaildirSource(dir);
  }

  async fetchNew(): Promise<IncomingMail[]> {
    const names = (await readdir(join(this.dir, 'new'))).filter((n) => !n.startsWith('.')).sort();
    const out: IncomingMail[] = [];
    for (const name of names) {
      const path = join(this.dir, 'new', name);
      let raw: Buffer;
      try {
        raw = await readFile(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // taken by another reader
        throw error;
      }
      out.push({ label: name, raw, done: () => rename(path, join(this.dir, 'cur', `${name.split(':')[0]}:2,S`)) });
    }
    return out;
  }

  async wait(ms: number, signal: AbortSignal): Promise<void> {
    const timer = sleep(ms, signal);
    let watcher: FSWatcher | null = null;
    try {
      // inotify wakes us at once; the timer is the fallback where it is not available.
      watcher = watch(join(this.dir, 'new'), () => timer.wake());
    } catch {
      watcher = null;
    }
    await timer.promise;
    watcher?.close();
  }

  async close(): Promise<void> {}
}
