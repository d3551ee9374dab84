import { describe, expect, it } from 'vitest';
import { leanPatchFromBytes } from '../../src/ingest/bytepath.js';
import { loadMimeCodecs, readHeaderBlock } from '../../src/ingest/headers.js';
import { diffText, parseMessage, type Message } from '../../src/ingest/message.js';
import { toPatch, wholeDiff } from '../../src/ingest/patch.js';
import { leanPatch } from '../../src/ingest/fastpath.js';
import { watchMatcher } from '../../src/engine/config.js';
import { DEFAULT_CONFIG } from '../support/pack.js';
import type { RawMessage } from '../../src/ingest/mbox.js';
import { fixture, split } from './read.js';

const isWatched = watchMatcher(DEFAULT_CONFIG);

function fromBytes(raw: RawMessage): ReturnType<typeof leanPatchFromBytes> {
  return leanPatchFromBytes(raw, readHeaderBlock(raw.bytes), isWatched);
}

/** The message with its diff as text (the raw-bytes path keeps it as bytes). */
function asText(message: Message): Message {
  return { ...message, diff: diffText(message) };
}

/** A message of unwatched.mbox with one edit, as a raw message. */
async function edited(which: number, edit: (text: string) => string): Promise<RawMessage> {
  const raw = (await split(fixture('input/unwatched.mbox')))[which]!;
  return { index: 0, bytes: Buffer.from(edit(raw.bytes.toString('utf8')), 'utf8') };
}

describe('the raw-bytes fast path', () => {
  it('reads plain format-patch mail of unwatched files exactly as the full parser does', async () => {
    await loadMimeCodecs(); // one author name is an encoded word
    const raws = await split(fixture('input/unwatched.mbox'));
    expect(raws).toHaveLength(4);
    const first = fromBytes(raws[0]!)!.message;
    expect(first.cc.map((a) => a.name)).toEqual(['Jan Beulich', 'Andrew Cooper']);
    expect(first.date).toBe('2025-02-03T08:12:44.000Z');
    for (const raw of raws) {
      const lean = fromBytes(raw);
      expect(lean, `message ${raw.index}`).not.toBeNull();
      const full = toPatch(await parseMessage(raw));
      // Its diff left as bytes, decoded when asked for.
      expect(lean!.message.diff).toBeInstanceOf(Uint8Array);
      expect(asText(lean!.message)).toEqual(full.message);
      expect(lean!.kind).toBe(full.kind);
      expect(lean!.subject).toEqual(full.subject);
      expect(lean!.trailers).toEqual(full.trailers);
      // The counts are what the full diff model says of each file; the model itself is built
      // when asked for.
      expect(lean!.counts!.map(({ path, oldPath, additions, deletions, binary }) => ({ path, oldPath, additions, deletions, binary }))).toEqual(
        full.diff.files.map(({ path, oldPath, additions, deletions, binary }) => ({ path, oldPath, additions, deletions, binary })),
      );
      expect(lean!.diff.files).toEqual([]);
      expect(wholeDiff(lean!)).toEqual(full.diff);
      // Plain data: a structured clone (to or from a worker thread) keeps every field.
      expect(asText(structuredClone(lean!).message)).toEqual(full.message);
      expect(structuredClone(lean!).trailers).toEqual(full.trailers);
    }
  });

  it('decodes the paths it names as UTF-8: quoted octal escapes and raw bytes alike', async () => {
    const raw = (await split(fixture('input/unwatched.mbox')))[3]!;
    expect(fromBytes(raw)!.counts!.map((c) => c.path)).toEqual(['docs/misc/café-notes.txt', 'docs/misc/résumé.txt']);
  });

  it.each([
    ['a reply', (t: string) => t.replace('Subject: [PATCH]', 'Subject: Re: [PATCH]')],
    ['a Latin-1 body', (t: string) => t.replace('charset=UTF-8', 'charset=ISO-8859-1')],
    ['quoted-printable', (t: string) => t.replace('Content-Transfer-Encoding: 8bit', 'Content-Transfer-Encoding: quoted-printable')],
    ['U+2028 in the diffstat (a line end to JavaScript, not to Latin-1)', (t: string) => t.replace(' xen/arch/x86/mm/p2m-pod.c | 9', ' xen/arch/x86/mm/p2m-pod.c\u2028| 9')],
    ['U+2029 in a diffstat that starts in the prose', (t: string) => t.replace('Signed-off-by: Roger', '---\n note\u2029 | 1 +\n 1 file changed\n\nSigned-off-by: Roger')],
    ['a `---` line inside the diff (it could open a later diffstat break, and the last one wins)', (t: string) => t.replace('-        j++;\n', '---\n')],
    ['hunk counts that lie', (t: string) => t.replace('@@ -1012,7 +1012,8 @@', '@@ -1012,7 +1012,9 @@')],
  ])('leaves %s to the full parser', async (_name, edit) => {
    await loadMimeCodecs();
    expect(fromBytes(await edited(0, edit))).toBeNull();
  });

  it('models the watched files, each from its own section, as leanPatch does from the decoded text', async () => {
    await loadMimeCodecs();
    const raws = [
      await edited(0, (t) => t.replaceAll('xen/arch/x86/mm/p2m-pod.c', 'xen/arch/x86/hvm/hvm.c')),
      await edited(1, (t) => t.replaceAll('tools/libs/light/libxl_qmp_new.h', 'xen/include/public/domctl.h')),
      ...(await split(fixture('input/series-v3.mbox'))),
    ];
    let watchedFiles = 0;
    for (const raw of raws) {
      const full = leanPatch(await parseMessage(raw), isWatched);
      const lean = fromBytes(raw);
      if (full === null) {
        expect(lean).toBeNull();
        continue;
      }
      if (lean === null) continue; // not plain format-patch mail (a cover letter, say)
      expect(lean.diff).toEqual(full.diff);
      expect(lean.trailers).toEqual(full.trailers);
      expect(lean.counts).toEqual(full.counts!.map((c) => ({ ...c, start: expect.any(Number) as number, end: expect.any(Number) as number })));
      watchedFiles += lean.diff.files.length;
    }
    expect(watchedFiles).toBeGreaterThanOrEqual(3);
  });

  it('still takes the fast path, with the same result, when the prose holds ’, —, é or U+2028', async () => {
    await loadMimeCodecs();
    const raw = await edited(0, (t) => t.replace('walks — one', 'walks \u2028 one'));
    expect(raw.bytes.includes(Buffer.from('’'))).toBe(true);
    const lean = fromBytes(raw);
    expect(lean).not.toBeNull();
    expect(asText(lean!.message)).toEqual(await parseMessage(raw));
  });
});
