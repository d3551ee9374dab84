// The public-inbox source on its own, over archives written with git fast-import in the v2
// layout (one commit per message, blob m, or d for a deletion): where a fresh follower
// starts, the cursor per epoch, a new epoch, deletions, a rewritten epoch, --since, and a
// backlog read in batches. The end-to-end test with public-inbox's own tools is
// public-inbox.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MailState } from '../../../bot/mail/state.js';
import { PublicInboxSource } from '../../../bot/mail/public-inbox.js';

let dir: string;
let state: MailState;
let logs: string[];
const DAY = 86_400;
const T0 = 1_795_000_000; // late 2026

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ps-pi-source-'));
  mkdirSync(join(dir, 'inbox/git'), { recursive: true });
  state = await MailState.create(join(dir, 'state.db'));
  logs = [];
});
afterEach(() => {
  state.close();
  rmSync(dir, { recursive: true, force: true });
});

const epochDir = (n: number): string => join(dir, 'inbox/git', `${n}.git`);
const git = (gitDir: string, args: string[], input?: string): string =>
  execFileSync('git', ['--git-dir', gitDir, ...args], { input, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', HOME: dir, GIT_CONFIG_NOSYSTEM: '1' } });

function epoch(n: number): void {
  git(epochDir(n), ['init', '--bare', '-q', '-b', 'master']);
}

/** Commits on master, one per entry: a message (blob m) or a deletion (blob d), at `time`. */
function commits(n: number, entries: { id: string; time: number; deleted?: boolean }[], options: { onto?: string | null } = {}): void {
  const head = options.onto !== undefined ? options.onto : (() => {
    try {
      return git(epochDir(n), ['rev-parse', '-q', '--verify', 'refs/heads/master']).trim();
    } catch {
      return null;
    }
  })();
  let stream = options.onto === null ? 'reset refs/heads/master\n' : '';
  entries.forEach((e, i) => {
    const raw = message(e.id);
    stream += `commit refs/heads/master\ncommitter Inbox <inbox@example.org> ${e.time} +0000\ndata 2\n${e.deleted ? 'rm' : 'ok'}\n`;
    if (i === 0 && head) stream += `from ${head}\n`;
    stream += `deleteall\nM 100644 inline ${e.deleted ? 'd' : 'm'}\ndata ${Buffer.byteLength(raw)}\n${raw}\n`;
  });
  git(epochDir(n), ['fast-import', '--quiet', '--force'], stream);
}

function message(id: string): string {
  return `From: Jane <jane@example.org>\nSubject: [PATCH] ${id}\nMessage-Id: <${id}@example.org>\n\nbody of ${id}\n`;
}

async function source(since?: number): Promise<PublicInboxSource> {
  return PublicInboxSource.create(join(dir, 'inbox'), state, { log: (l) => logs.push(l), ...(since === undefined ? {} : { since: since * 1000 }) });
}

/** The ids of what a fetch gives, each acknowledged (done) unless told not to. */
async function fetchIds(s: PublicInboxSource, ack = true): Promise<string[]> {
  const mails = await s.fetchNew();
  const ids = mails.map((m) => /^Message-Id: <(.*)@example\.org>$/m.exec(m.raw.toString())![1]!);
  if (ack) for (const m of mails) await m.done();
  return ids;
}

describe('PublicInboxSource', () => {
  it('a fresh follower starts from now; then reads what arrives, in order, from its cursor', async () => {
    epoch(0);
    commits(0, [{ id: 'old1', time: T0 }, { id: 'old2', time: T0 + 1 }]);
    let s = await source();
    expect(logs.join('\n')).toMatch(/following from now; the 2 messages already in .* are not reviewed/);
    expect(await fetchIds(s)).toEqual([]);
    commits(0, [{ id: 'new1', time: T0 + 10 }, { id: 'new2', time: T0 + 11 }]);
    // Not acknowledged (a crash before `done`): given again, by a new source on the same state too.
    expect(await fetchIds(s, false)).toEqual(['new1', 'new2']);
    s = await source();
    const mails = await s.fetchNew();
    expect(mails.map((m) => m.label)).toEqual([expect.stringMatching(/^0\.git [0-9a-f]{12}$/), expect.stringMatching(/^0\.git /)]);
    expect(mails[0]!.raw.toString()).toBe(message('new1'));
    await mails[0]!.done();
    expect(await fetchIds(s)).toEqual(['new2']);
    expect(await fetchIds(s)).toEqual([]);
  });

  it('reads a new epoch from its start, after the older epochs', async () => {
    epoch(0);
    commits(0, [{ id: 'a', time: T0 }]);
    const s = await source();
    commits(0, [{ id: 'b', time: T0 + 5 }]);
    epoch(1);
    commits(1, [{ id: 'c', time: T0 + 6 }, { id: 'd', time: T0 + 7 }]);
    expect(await fetchIds(s)).toEqual(['b', 'c', 'd']);
    expect(logs.join('\n')).toContain('new epoch 1.git, read from its start');
    expect(await fetchIds(s)).toEqual([]);
  });

  it('skips deletions (d) and logs them, the cursor moving past them', async () => {
    epoch(0);
    const s = await source();
    commits(0, [
      { id: 'gone', time: T0, deleted: true },
      { id: 'x', time: T0 + 1 },
      { id: 'x', time: T0 + 2, deleted: true },
      { id: 'y', time: T0 + 3 },
      { id: 'y', time: T0 + 4, deleted: true },
    ]);
    expect(await fetchIds(s)).toEqual(['x', 'y']);
    expect(logs.filter((l) => l.includes('deletes a message: skipped'))).toHaveLength(3);
    logs.length = 0;
    expect(await fetchIds(s)).toEqual([]);
    expect(logs).toEqual([]);
  });

  it('a rewritten epoch (purged history) is read again from the cursor\'s date', async () => {
    epoch(0);
    commits(0, [{ id: 'a', time: T0 }]);
    const s = await source();
    commits(0, [{ id: 'b', time: T0 + DAY }]);
    expect(await fetchIds(s)).toEqual(['b']);
    // History rewritten from scratch (a is purged), then a new message.
    commits(0, [{ id: 'b', time: T0 + DAY }, { id: 'c', time: T0 + 2 * DAY }], { onto: null });
    expect(await fetchIds(s)).toEqual(['b', 'c']);
    expect(logs.join('\n')).toMatch(/0\.git was rewritten \(commit [0-9a-f]{12} is gone\)/);
    expect(await fetchIds(s)).toEqual([]);
  });

  it('--since backfills from a date on a first run; an epoch with nothing that recent is not read again', async () => {
    epoch(0);
    commits(0, [{ id: 'old', time: T0 }, { id: 'recent', time: T0 + 10 * DAY }]);
    epoch(1);
    commits(1, [{ id: 'older', time: T0 - DAY }]);
    let s = await source(T0 + 5 * DAY);
    expect(logs.join('\n')).toContain(`dated from ${new Date((T0 + 5 * DAY) * 1000).toISOString()} on`);
    expect(await fetchIds(s)).toEqual(['recent']);
    // A restart, without --since: nothing old comes back, from either epoch.
    s = await source();
    expect(await fetchIds(s)).toEqual([]);
  });

  it('a backlog comes in batches, without waiting between them', async () => {
    epoch(0);
    const s = await source(T0);
    commits(0, Array.from({ length: 230 }, (_, i) => ({ id: `m${i}`, time: T0 + i })));
    const first = await fetchIds(s);
    expect(first).toHaveLength(200);
    const before = Date.now();
    await s.wait(60_000, new AbortController().signal);
    expect(Date.now() - before).toBeLessThan(30_000); // returned at once, not after the minute
    const second = await fetchIds(s);
    expect([...first, ...second]).toEqual(Array.from({ length: 230 }, (_, i) => `m${i}`));
  });

  it('refuses a directory that is not a v2 archive', async () => {
    await expect(PublicInboxSource.create(join(dir, 'nowhere'), state, { log: () => undefined })).rejects.toThrow(/not a public-inbox v2 archive/);
  });
});
