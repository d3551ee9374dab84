import { describe, expect, it } from 'vitest';
import { assembleSeries } from '../../src/ingest/series.js';
import type { Patch } from '../../src/ingest/patch.js';
import { fixture, patchesOf } from './read.js';

const shape = (series: ReturnType<typeof assembleSeries>) =>
  series.map((s) => ({ id: s.id, version: s.version, total: s.total, cover: s.cover?.subject.index ?? null, patches: s.patches.map((p) => p.subject.index) }));
const reviewable = (patches: Patch[]) => patches.filter((p) => p.kind === 'patch' || p.kind === 'cover');

describe('series assembly', () => {
  it('groups a cover letter and its patches by In-Reply-To/References', async () => {
    const series = assembleSeries(reviewable(await patchesOf(fixture('input/series-v3.mbox'))));
    expect(shape(series)).toEqual([{ id: '<cover.1795644722.git.alice@example.org>', version: 3, total: 3, cover: 0, patches: [1, 2, 3] }]);
  });

  it('puts patches that arrive out of order back in index order', async () => {
    const series = assembleSeries(reviewable(await patchesOf(fixture('input/series-v3-shuffled.mbox'))));
    expect(shape(series)).toEqual([{ id: '<cover.1795644722.git.alice@example.org>', version: 3, total: 3, cover: 0, patches: [1, 2, 3] }]);
  });

  it('builds a series without a cover letter', async () => {
    const patches = reviewable(await patchesOf(fixture('input/series-v3.mbox'))).slice(1);
    expect(shape(assembleSeries(patches))).toEqual([{ id: expect.any(String), version: 3, total: 3, cover: null, patches: [1, 2, 3] }]);
  });

  it('groups unthreaded mail (no Message-Id, no In-Reply-To) by sender + version + total', async () => {
    const patches = reviewable(await patchesOf(fixture('input/series-v2-unthreaded.mbox')));
    expect(patches.map((p) => p.message.inReplyTo)).toEqual([null, null, null]);
    expect(shape(assembleSeries(patches))).toEqual([{ id: expect.any(String), version: 2, total: 3, cover: null, patches: [1, 2, 3] }]);
  });

  it('keeps a v2 posted in reply to v1 apart from v1', async () => {
    const patches = reviewable(await patchesOf(fixture('input/series-v1-v2.mbox')));
    const series = assembleSeries(patches);
    expect(shape(series).map(({ version, total, cover, patches: p }) => ({ version, total, cover, patches: p }))).toEqual([
      { version: 1, total: 3, cover: 0, patches: [1, 2, 3] },
      { version: 2, total: 3, cover: 0, patches: [1, 2, 3] },
    ]);
    expect(series[0]!.id).not.toBe(series[1]!.id);
  });

  it('follows a chained thread (git send-email --chain-reply-to) without a cover letter', async () => {
    const text = fixture('input/series-v2-unthreaded.mbox').toString('utf8');
    const parts = text.split(/^(?=From [0-9a-f]{40} )/m);
    const ids = ['<p1@example.org>', '<p2@example.org>', '<p3@example.org>'];
    const chained = parts
      .map((part, i) => part.replace('\nFrom: ', `\nMessage-Id: ${ids[i]}\n${i > 0 ? `In-Reply-To: ${ids[i - 1]}\nReferences: ${ids.slice(0, i).join(' ')}\n` : ''}From: `))
      .map((part, i) => (i === 2 ? part.replace('From: Alice Example <alice@example.org>', 'From: Alice Example <alice@other.example>') : part));
    const patches = reviewable(await patchesOf(Buffer.from(chained.join(''))));
    expect(patches.map((p) => p.message.inReplyTo)).toEqual([null, '<p1@example.org>', '<p2@example.org>']);
    expect(shape(assembleSeries(patches))).toEqual([{ id: '<p1@example.org>', version: 2, total: 3, cover: null, patches: [1, 2, 3] }]);
  });

  it('keeps two single patches apart, and a single patch alone', async () => {
    const [domctl] = await patchesOf(fixture('input/domctl.patch'));
    const [other] = await patchesOf(fixture('input/message/relay.eml'));
    expect(assembleSeries([domctl!, other!]).map((s) => s.patches.length)).toEqual([1, 1]);
  });

  it('does not mix two authors sending the same n/N unthreaded, one after the other', async () => {
    const patches = reviewable(await patchesOf(fixture('input/series-v2-unthreaded.mbox')));
    const bob = patches.map((p) => ({ ...p, message: { ...p.message, author: { name: 'Bob', address: 'bob@example.com' }, from: { name: 'Bob', address: 'bob@example.com' } } }));
    const series = assembleSeries([...patches, ...bob]);
    expect(series.map((s) => [s.patches.length, s.patches[0]!.message.author?.address])).toEqual([
      [3, 'alice@example.org'],
      [3, 'bob@example.com'],
    ]);
  });

  it('takes a numbered range export (no Message-ID, no thread headers) as one series, whoever wrote each patch', async () => {
    const patches = reviewable(await patchesOf(fixture('input/series-v2-unthreaded.mbox')));
    const authors = ['alice@example.org', 'bob@example.com', 'carol@example.net'];
    const mixed = patches.map((p, i) => ({ ...p, message: { ...p.message, author: { name: '', address: authors[i]! }, from: { name: '', address: authors[i]! } } }));
    const series = assembleSeries(mixed);
    expect(shape(series)).toEqual([{ id: mixed[0]!.message.id, version: 2, total: 3, cover: null, patches: [1, 2, 3] }]);
    expect(mixed[0]!.message.id).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('starts a new range series when a range export starts again at 1/N, or goes back', async () => {
    const patches = reviewable(await patchesOf(fixture('input/series-v2-unthreaded.mbox')));
    const [p1, p2, p3] = patches;
    expect(shape(assembleSeries([p1!, p2!, p1!, p2!, p3!])).map((s) => s.patches)).toEqual([[1, 2], [1, 2, 3]]);
    expect(shape(assembleSeries([p1!, p3!, p2!])).map((s) => s.patches)).toEqual([[1, 3], [2]]);
  });

  it('judges each patch of a range export longer than the window alone (a whole history, [PATCH 29117/48091])', async () => {
    const patches = reviewable(await patchesOf(fixture('input/series-v2-unthreaded.mbox')));
    const series = assembleSeries(patches, { window: 2 });
    expect(series.map((s) => s.patches.length)).toEqual([1, 1, 1]);
    expect(series.map((s) => s.id)).toEqual(patches.map((p) => p.message.id));
  });

  it('puts a [PATCH 1/1] with its [PATCH 0/1] cover letter, threaded or as a range export', async () => {
    const [cover, p1] = reviewable(await patchesOf(fixture('input/series-v3.mbox')));
    const one = (p: Patch, index: number): Patch => ({ ...p, subject: { ...p.subject, index, total: 1 } });
    expect(shape(assembleSeries([one(cover!, 0), one(p1!, 1)]))).toEqual([{ id: cover!.message.id, version: 3, total: 1, cover: 0, patches: [1] }]);
    const bare = (p: Patch): Patch => ({ ...p, message: { ...p.message, messageId: null, inReplyTo: null, references: [] } });
    expect(shape(assembleSeries([bare(one(cover!, 0)), bare(one(p1!, 1))])).map((s) => [s.cover, s.patches])).toEqual([[0, [1]]]);
    expect(assembleSeries([one(p1!, 1)]).map((s) => s.patches.length)).toEqual([1]);
  });

  it('reviews an incomplete series once its window has passed', async () => {
    const patches = reviewable(await patchesOf(fixture('input/series-v3.mbox'))).slice(0, 3); // cover, 1/3, 2/3
    const series = assembleSeries(patches, { window: 2 });
    expect(shape(series)).toEqual([{ id: '<cover.1795644722.git.alice@example.org>', version: 3, total: 3, cover: 0, patches: [1, 2] }]);
  });
});
