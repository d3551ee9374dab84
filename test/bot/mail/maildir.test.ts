import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MaildirSource, type MaildirMemory } from '../../../bot/mail/maildir.js';

/** Runs before each read of a Maildir file: what a mail reader does at that very moment. */
const beforeRead = vi.hoisted(() => ({ hook: null as ((path: string) => void) | null }));
vi.mock('node:fs/promises', async (original) => {
  const fs = await original<typeof import('node:fs/promises')>();
  return {
    ...fs,
    readFile: (async (path: string, ...rest: unknown[]) => {
      beforeRead.hook?.(String(path));
      return (fs.readFile as (...args: unknown[]) => Promise<Buffer>)(path, ...rest);
    }) as typeof fs.readFile,
  };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchsentry-maildir-'));
  for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(dir, sub));
});
afterEach(() => {
  beforeRead.hook = null;
  rmSync(dir, { recursive: true, force: true });
});

/** A state that knows nothing yet, the Maildir already watched once (no backlog). */
function memory(): MaildirMemory & { meta: Map<string, string> } {
  const meta = new Map<string, string>([[`maildir:${dir}`, '{"started":true}']]);
  return { meta, known: () => false, getMeta: (k) => meta.get(k) ?? null, setMeta: (k, v) => void meta.set(k, v) };
}

describe('MaildirSource', () => {
  it('an empty file in new/ (created, not yet written by a writer that skipped tmp/) is read again later, not taken', async () => {
    const source = await MaildirSource.create(dir, memory());
    writeFileSync(join(dir, 'new', '1764000000.1.host'), '');
    expect(await source.fetchNew()).toEqual([]);
    writeFileSync(join(dir, 'new', '1764000000.1.host'), 'Subject: hello\nMessage-ID: <a@b>\n\nbody\n');
    const [mail] = await source.fetchNew();
    expect(mail?.raw.toString()).toContain('Message-ID: <a@b>');
    await mail!.done();
    expect(readdirSync(join(dir, 'cur'))).toEqual(['1764000000.1.host:2,S']);
    expect(await source.fetchNew()).toEqual([]);
  });

  it('a dry run (readOnly) hands the mail over once and moves nothing', async () => {
    const source = await MaildirSource.create(dir, memory(), { readOnly: true });
    writeFileSync(join(dir, 'new', '1764000000.1.host'), 'Subject: hello\n\nbody\n');
    const [mail] = await source.fetchNew();
    await mail!.done();
    expect(readdirSync(join(dir, 'new'))).toEqual(['1764000000.1.host']);
    expect(await source.fetchNew()).toEqual([]);
  });
  it('a file a reader moves between the listing and the read is read under its new name, once', async () => {
    const source = await MaildirSource.create(dir, memory());
    writeFileSync(join(dir, 'new', '1764000000.1.host'), 'Subject: one\n\nbody\n');
    writeFileSync(join(dir, 'new', '1764000001.2.host'), 'Subject: two\n\nbody\n');
    const moves: string[] = [];
    beforeRead.hook = (path) => {
      // The reader shows each message just as we come to read it: new/ to cur/, then a flag.
      if (path.endsWith('/new/1764000000.1.host')) {
        renameSync(path, join(dir, 'cur', '1764000000.1.host:2,S'));
        moves.push('1 to cur');
      } else if (path.endsWith('/cur/1764000000.1.host:2,S')) {
        renameSync(path, join(dir, 'cur', '1764000000.1.host:2,RS'));
        moves.push('1 flagged');
      } else if (path.endsWith('/new/1764000001.2.host')) {
        rmSync(path);
        moves.push('2 deleted');
      }
    };
    const mails = await source.fetchNew();
    expect(moves).toEqual(['1 to cur', '1 flagged', '2 deleted']);
    expect(mails.map((m) => [m.label, m.raw.toString().split('\n')[0]])).toEqual([['1764000000.1.host:2,RS', 'Subject: one']]);
    await mails[0]!.done();
    // Left where the reader put it; nothing handed over twice.
    expect(readdirSync(join(dir, 'cur'))).toEqual(['1764000000.1.host:2,RS']);
    expect(await source.fetchNew()).toEqual([]);
  });
});
