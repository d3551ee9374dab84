import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MailState, StateError } from '../../../bot/mail/state.js';
import { backoff } from '../../../bot/mail/outbox.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchsentry-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const reply = (n: number) => ({ messageId: `<r${n}@bot>`, inReplyTo: `<p${n}@dev>`, thread: '<root@dev>', envelopeFrom: 'bot@example.org', recipients: ['dev@example.org'], raw: 'Subject: x\n\nbody\n' });

describe('MailState', () => {
  it('creates its directory and refuses a second reply to the same message', async () => {
    const state = await MailState.create(join(dir, 'deep', 'er', 'state.db'));
    expect(state.enqueue(reply(1), 100)).toBe(true);
    expect(state.enqueue({ ...reply(1), messageId: '<other@bot>' }, 100)).toBe(false);
    expect(state.hasReplyTo('<p1@dev>')).toBe(true);
    expect(state.repliesInThread('<root@dev>', 0)).toBe(1);
    state.close();
  });

  it('lets one sender claim a due reply; a claim lapses after its lease; a failure requeues with back-off', async () => {
    const a = await MailState.create(join(dir, 'state.db'));
    const b = await MailState.create(join(dir, 'state.db'));
    a.enqueue(reply(1), 1000);
    const [entry] = a.due(1000);
    expect(a.claim(entry!.id, 1000, 600_000)).toBe(true);
    expect(b.claim(entry!.id, 1000, 600_000)).toBe(false);
    expect(b.due(1000)).toEqual([]);
    // The first sender died: after the lease the reply is due again.
    expect(b.due(601_000).map((e) => e.status)).toEqual(['sending']);
    expect(b.claim(entry!.id, 601_000, 600_000)).toBe(true);
    b.markFailed(entry!.id, 'connection refused', 601_000 + backoff(1));
    expect(b.due(601_000 + backoff(1) - 1)).toEqual([]);
    expect(b.due(601_000 + backoff(1)).map((e) => [e.status, e.attempts, e.lastError])).toEqual([['queued', 1, 'connection refused']]);
    a.close();
    b.close();
  });

  it('backs off 30 s, 1 min, 2 min ... at most an hour', () => {
    expect([1, 2, 3, 4, 20].map(backoff)).toEqual([30_000, 60_000, 120_000, 240_000, 3_600_000]);
  });

  it('names the file when it cannot open it', async () => {
    const file = join(dir, 'plain');
    (await MailState.create(file)).close();
    await expect(MailState.create(join(file, 'under-a-file.db'))).rejects.toThrow(StateError);
    await expect(MailState.create(join(file, 'under-a-file.db'))).rejects.toThrow(`${join(file, 'under-a-file.db')}: cannot open the state database`);
  });
});
