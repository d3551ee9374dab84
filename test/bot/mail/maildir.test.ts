import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MaildirSource, type MaildirMemory } from '../../../bot/mail/maildir.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchsentry-maildir-'));
  for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(dir, sub));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

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
});
