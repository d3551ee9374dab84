// Waivers given on the list: a maintainer's Altp2m-Policy-Ack in a reply in the patch's thread
// waives that finding on the patch and on later versions of the series (the state keeps it);
// the author's own, or a non-maintainer's, is only a request; a bad trailer is logged.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MailBot } from '../../../bot/mail/bot.js';
import { MailState } from '../../../bot/mail/state.js';
import { DEFAULT_CONFIG } from '../../support/pack.js';
import { parseMaintainers } from '../../../src/engine/maintainers.js';
import { xenAltp2m } from '../../../rules/xen-altp2m/index.js';
import { series } from './support/messages.js';

const BOT = { name: 'patchsentry', address: 'bot@example.org' };
const T0 = Date.UTC(2026, 10, 25, 12);
const MAINTAINERS = parseMaintainers(readFileSync(fileURLToPath(new URL('../../fixtures/maintainers/MAINTAINERS', import.meta.url)), 'utf8'));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchsentry-waivers-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(raws: Buffer[], now: number) {
  const state = await MailState.create(join(dir, 'state.db'));
  try {
    const bot = new MailBot(state, { pack: xenAltp2m, config: DEFAULT_CONFIG, from: BOT, quietMs: 0, maintainers: MAINTAINERS });
    const outcomes = await bot.receive(raws.map((bytes, index) => ({ index, bytes })), now, true);
    return { outcomes: outcomes.map((o) => [o.key, o.outcome] as const), outbox: state.outbox() };
  } finally {
    state.close();
  }
}

const v1 = () => series({ version: 1, title: 'altp2m views', idBase: 'v1', patches: [{ fixture: 'domctl-violation.patch', title: 'add the domctl' }, { fixture: 'unwatched.patch', title: 'docs' }] });
// v2 under a new title: not matched with v1 by sender and title, so only a waiver keeps it quiet.
const v2 = () => series({ version: 2, title: 'altp2m: list the views of a domain', idBase: 'v2', patches: [{ fixture: 'domctl-violation.patch', title: 'add the domctl' }, { fixture: 'unwatched.patch', title: 'docs' }] }).map((m) => Buffer.from(m.toString().replace('uint16_t pad[3];', 'uint16_t _pad[3];')));

function reply(from: string, id: string, inReplyTo: string, text: string): Buffer {
  return Buffer.from(
    `From: ${from}\nTo: Jane Developer <jane.dev@example.org>\nSubject: Re: [PATCH 1/2] add the domctl\nMessage-ID: ${id}\nIn-Reply-To: ${inReplyTo}\nReferences: <v1-0@example.org> <v1-1@example.org> ${inReplyTo}\nDate: Wed, 25 Nov 2026 13:00:00 +0000\n\n> > +#define XEN_DOMCTL_altp2m_get_views              89\n> Altp2m-Policy-Ack: quoted lines never count\n\n${text}\n`,
  );
}

describe('an Altp2m-Policy-Ack given in a reply', () => {
  it("from a maintainer of the file, to the bot's reply, waives the finding on later versions", async () => {
    const first = await run(v1(), T0);
    expect(first.outbox.map((e) => e.inReplyTo)).toEqual(['<v1-1@example.org>']);
    const ack = reply('Julia Rest <julia.rest@example.org>', '<ack@example.org>', first.outbox[0]!.messageId, 'Altp2m-Policy-Ack: altp2m-domctl toolstack-only view listing, agreed on the list');
    const acked = await run([ack], T0 + 60_000);
    expect(acked.outcomes).toContainEqual(['<ack@example.org>', 'waiver given: altp2m-domctl by Julia Rest <julia.rest@example.org> on <v1-1@example.org>']);
    const second = await run(v2(), T0 + 120_000);
    expect(Object.fromEntries(second.outcomes)).toMatchObject({ '<v2-1@example.org>': 'waived' });
    expect(second.outbox).toHaveLength(1);
  });

  it('given by the author is only a request: the next version is answered, saying so', async () => {
    const first = await run(v1(), T0);
    const own = reply('Jane Developer <jane.dev@example.org>', '<own@example.org>', '<v1-1@example.org>', 'Altp2m-Policy-Ack: altp2m-domctl the toolstack needs it');
    expect((await run([own], T0 + 60_000)).outcomes).toContainEqual(['<own@example.org>', 'waiver given: altp2m-domctl by Jane Developer <jane.dev@example.org> on <v1-1@example.org>']);
    const second = await run(v2(), T0 + 120_000);
    expect(Object.fromEntries(second.outcomes)).toMatchObject({ '<v2-1@example.org>': 'replied' });
    const raw = second.outbox.find((e) => e.inReplyTo === '<v2-1@example.org>')!.raw;
    expect(raw).toContain("Waiver requested; needs a maintainer's ack (it is the patch author's own):");
    expect(first.outbox).toHaveLength(1);
  });

  it('given by someone who does not maintain the file, is only a request, and the reply says why', async () => {
    await run(v1(), T0);
    // Tamas maintains VM EVENT, not public/domctl.h.
    const other = reply('Tamas K Lengyel <tamas@example.net>', '<tamas@example.org>', '<v1-1@example.org>', 'Altp2m-Policy-Ack: altp2m-domctl fine by me');
    await run([other], T0 + 60_000);
    const second = await run(v2(), T0 + 120_000);
    expect(Object.fromEntries(second.outcomes)).toMatchObject({ '<v2-1@example.org>': 'replied' });
    expect(second.outbox.find((e) => e.inReplyTo === '<v2-1@example.org>')!.raw.replace(/\n/g, ' ')).toMatch(/Tamas K Lengyel <tamas@example\.net> is neither a maintainer or reviewer of xen\/include\/public\/domctl\.h nor trusted/);
  });

  it('waives before the reply when it comes while the series waits, and logs a trailer that cannot count', async () => {
    const [cover, p1, p2] = v1();
    const state = await MailState.create(join(dir, 'state.db'));
    const bot = new MailBot(state, { pack: xenAltp2m, config: DEFAULT_CONFIG, from: BOT, quietMs: 3_600_000, maintainers: MAINTAINERS });
    try {
      const first = await bot.receive([cover!, p1!].map((bytes, index) => ({ index, bytes })), T0);
      expect(first.map((o) => o.outcome)).toEqual(['held', 'held']);
      // The series is complete only with 2/2; meanwhile a maintainer acks 1/2, with a typo first.
      const typo = reply('Julia Rest <julia.rest@example.org>', '<typo@example.org>', '<v1-1@example.org>', 'Altp2m-Policy-Ack: altp2m-domtcl agreed');
      const good = reply('Jan Keeper <jan.keeper@example.com>', '<good@example.org>', '<v1-1@example.org>', 'Altp2m-Policy-Ack: Jan Keeper <jan.keeper@example.com> # altp2m-domctl agreed');
      const outcomes = (await bot.receive([typo, good, p2!].map((bytes, index) => ({ index, bytes })), T0 + 1000)).map((o) => [o.key, o.outcome]);
      expect(outcomes).toContainEqual(['<typo@example.org>', expect.stringMatching(/^warning: Altp2m-Policy-Ack: altp2m-domtcl agreed: names no rule of this pack/)]);
      expect(outcomes).toContainEqual(['<good@example.org>', 'waiver given: altp2m-domctl by Jan Keeper <jan.keeper@example.com> on <v1-1@example.org>']);
      expect(outcomes, JSON.stringify(outcomes)).toContainEqual(['<v1-1@example.org>', 'waived']);
      expect(state.outbox()).toEqual([]);
    } finally {
      state.close();
    }
  });
});
