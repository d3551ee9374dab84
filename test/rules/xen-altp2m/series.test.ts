import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { casesFor, expectGolden, review } from './golden.js';

/** The out-of-order series: cover, then 3/3 (defines the subop), 1/3 (do_altp2m_op()), 2/3 (libxc). */
const series = casesFor('altp2m-subop-incomplete--silent--series-out-of-order')[0]!;
const messages = readFileSync(series.mbox, 'utf8').split(/(?=^From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$)/m);
const messageId = (m: string) => /^Message-Id: (<[^>]+>)$/m.exec(m)![1]!;
const part = (n: number) => messages.find((m) => new RegExp(`^Subject: \\[PATCH ${n}/3\\]`, 'm').test(m))!;

describe('a series is judged as a whole', () => {
  it('assembles cover and patches in index order, whatever the mbox order', async () => {
    const reviewed = await review(series.mbox);
    const events = reviewed.events.filter((e) => e.kind === 'series');
    expect(events).toHaveLength(1);
    const [event] = events;
    if (event?.kind !== 'series' || !event.series) throw new Error('expected one series');
    expect(event.series.cover?.message.messageId).toBe(messageId(messages[0]!));
    expect(event.series.patches.map((p) => p.subject.index)).toEqual([1, 2, 3]);
    expect(event.patches.map((p) => p.messageId)).toEqual([messageId(messages[0]!), messageId(part(1)), messageId(part(2)), messageId(part(3))]);
    expectGolden(reviewed, series.expected);
  });

  it('finds the series incomplete when only the defining patch arrived', async () => {
    const reviewed = await review(Buffer.from(messages[0]! + part(3)));
    const findings = reviewed.byMessage.get(messageId(part(3)))!;
    expect(findings.map((f) => `${f.rule}:${f.severity}`).sort()).toEqual(['altp2m-new-subop:info', 'altp2m-subop-incomplete:warning']);
    expect(reviewed.byMessage.get(messageId(messages[0]!))).toEqual([]);
  });

  it('judges the same patches posted one by one, outside a series, each on its own', async () => {
    const standalone = [part(1), part(2), part(3)].map((m) => m.replace(/^Subject: \[PATCH \d\/3\]/m, 'Subject: [PATCH]').replace(/^(?:In-Reply-To|References): .*\n/gm, ''));
    const reviewed = await review(Buffer.from(standalone.join('')));
    const rules = (m: string) => reviewed.byMessage.get(messageId(m))!.map((f) => `${f.rule}:${f.severity}`).sort();
    // 1/3 alone handles a subop nobody defines; 3/3 alone defines one nobody wires up.
    expect(rules(part(1))).toEqual(['altp2m-subop-incomplete:warning']);
    expect(rules(part(2))).toEqual([]);
    expect(rules(part(3))).toEqual(['altp2m-new-subop:info', 'altp2m-subop-incomplete:warning']);
  });

  it('anchors a series finding on the patch that caused it, never on the cover letter', async () => {
    const moved = casesFor('altp2m-doc-warning--fires--moved-between-files')[0]!;
    const reviewed = await review(moved.mbox);
    expectGolden(reviewed, moved.expected);
    const defining = casesFor('altp2m-new-subop--fires--defining-patch')[0]!;
    expectGolden(await review(defining.mbox), defining.expected);
  });
});
