// Who may waive a finding (src/engine/waivers.ts): an Altp2m-Policy-Ack counts from a
// maintainer or reviewer of the file (MAINTAINERS) or a trusted person, never from the
// patch's author; a trailer naming no rule of the pack, or giving no reason, is reported.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { reviewSeries } from '../../src/engine/engine.js';
import { validateConfig } from '../../src/engine/config.js';
import { DEFAULT_CONFIG } from '../support/pack.js';
import { parseMaintainers } from '../../src/engine/maintainers.js';
import { judgeAck, readAck } from '../../src/engine/waivers.js';
import { assembleSeries, type Series } from '../../src/ingest/series.js';
import { xenAltp2m } from '../../rules/xen-altp2m/index.js';
import { fixture, patchesOf } from '../ingest/read.js';

const MAINTAINERS = parseMaintainers(readFileSync(fileURLToPath(new URL('../fixtures/maintainers/MAINTAINERS', import.meta.url)), 'utf8'));
const RULES = xenAltp2m.rules.map((r) => r.id);
const CAROL = { name: 'Carol Dev', address: 'carol@example.net' };
const JULIA = { name: 'Julia Rest', address: 'julia.rest@example.org' };

/** input/domctl.patch (Carol's new XEN_DOMCTL command in public/domctl.h) with trailers added. */
async function withTrailers(...trailers: string[]): Promise<Series> {
  const text = fixture('input/domctl.patch').toString().replace('Signed-off-by: Carol Dev', [...trailers, 'Signed-off-by: Carol Dev'].join('\n'));
  return assembleSeries(await patchesOf(Buffer.from(text)))[0]!;
}

const verdicts = (series: Series, config = DEFAULT_CONFIG, maintainers = MAINTAINERS) =>
  reviewSeries(series, xenAltp2m, config, undefined, { maintainers }).findings.map((f) => [f.severity, f.waiver?.by ?? null, f.waiverRequest?.why ?? null]);

describe('readAck', () => {
  it('reads the rule and reason form, given by the sender, and the b4 person form', () => {
    expect(readAck('altp2m-domctl toolstack only', CAROL, RULES, 'Altp2m-Policy-Ack')).toEqual({ ack: { rule: 'altp2m-domctl', reason: 'toolstack only', by: CAROL } });
    expect(readAck('Julia Rest <julia.rest@example.org> # altp2m-domctl agreed at the summit', CAROL, RULES, 'Altp2m-Policy-Ack')).toEqual({ ack: { rule: 'altp2m-domctl', reason: 'agreed at the summit', by: JULIA } });
    // b4 quotes a display name with special characters.
    expect(readAck('"Rest, Julia" <julia.rest@example.org> # altp2m-domctl ok', CAROL, RULES, 'Altp2m-Policy-Ack')).toEqual({ ack: { rule: 'altp2m-domctl', reason: 'ok', by: { name: 'Rest, Julia', address: 'julia.rest@example.org' } } });
  });

  it('reports a trailer naming no rule of the pack, or giving no reason', () => {
    expect(readAck('altp2m-domtcl toolstack only', CAROL, RULES, 'Altp2m-Policy-Ack')).toEqual({ problem: expect.stringMatching(/^Altp2m-Policy-Ack: altp2m-domtcl toolstack only: names no rule of this pack \("altp2m-domtcl"; the rules are altp2m-domctl, /) });
    expect(readAck('altp2m-domctl', CAROL, RULES, 'Altp2m-Policy-Ack')).toEqual({ problem: expect.stringMatching(/gives no reason, so it waives nothing/) });
    expect(readAck('', CAROL, RULES, 'Altp2m-Policy-Ack')).toEqual({ problem: expect.stringMatching(/names no rule/) });
  });
});

describe('judgeAck', () => {
  const ack = (by: { name: string; address: string } | null) => ({ rule: 'altp2m-domctl', reason: 'r', by });
  it('grants a maintainer or reviewer of the file and a trusted person, never the author', () => {
    expect(judgeAck(ack(JULIA), 'xen/include/public/domctl.h', CAROL, { maintainers: MAINTAINERS })).toEqual({ granted: true });
    expect(judgeAck(ack({ name: 'T', address: 'Teresa@example.net' }), 'xen/arch/x86/domctl.c', CAROL, { maintainers: MAINTAINERS })).toEqual({ granted: true });
    // A maintainer of another file is not one of this file.
    expect(judgeAck(ack({ name: 'Tim Shadow', address: 'tim.shadow@example.com' }), 'xen/arch/x86/domctl.c', CAROL, { maintainers: MAINTAINERS })).toEqual({
      granted: false,
      why: 'Tim Shadow <tim.shadow@example.com> is neither a maintainer or reviewer of xen/arch/x86/domctl.c nor trusted',
    });
    expect(judgeAck(ack(CAROL), 'xen/arch/x86/domctl.c', CAROL, { trusted: [CAROL], maintainers: MAINTAINERS })).toEqual({ granted: false, why: "it is the patch author's own" });
    expect(judgeAck(ack({ name: 'Ann', address: 'ann@example.org' }), 'x.c', CAROL, { trusted: [{ name: '', address: 'ANN@example.org' }] })).toEqual({ granted: true });
    expect(judgeAck(ack(null), 'x.c', CAROL, {})).toEqual({ granted: false, why: 'nobody is named as giving it' });
  });
});

describe('waivers in reviewSeries', () => {
  it("keeps the severity for the author's own trailer, even when the author maintains the file", async () => {
    expect(verdicts(await withTrailers('Altp2m-Policy-Ack: altp2m-domctl toolstack only'))).toEqual([['error', null, "it is the patch author's own"], ['error', null, "it is the patch author's own"]]);
    const carolMaintains = parseMaintainers('THE REST\nM:\tCarol Dev <carol@example.net>\nF:\t*/\n');
    expect(verdicts(await withTrailers('Altp2m-Policy-Ack: altp2m-domctl toolstack only'), DEFAULT_CONFIG, carolMaintains).map((v) => v[0])).toEqual(['error', 'error']);
  });

  it("waives on a maintainer's trailer carried into the patch, and on a trusted person's", async () => {
    const byJulia = await withTrailers('Altp2m-Policy-Ack: Julia Rest <julia.rest@example.org> # altp2m-domctl toolstack only');
    expect(verdicts(byJulia)).toEqual([['info', 'Julia Rest <julia.rest@example.org>', null], ['info', 'Julia Rest <julia.rest@example.org>', null]]);
    const byAda = await withTrailers('Altp2m-Policy-Ack: Ada Toolstack <ada.toolstack@example.com> # altp2m-domctl toolstack only');
    // Ada maintains LIBS, not public/domctl.h: a request, until the config trusts her.
    expect(verdicts(byAda).map((v) => v[0])).toEqual(['error', 'error']);
    const trusting = validateConfig({ trusted: ['Ada Toolstack <ada.toolstack@example.com>'] }, xenAltp2m);
    expect(verdicts(byAda, trusting).map((v) => v[0])).toEqual(['info', 'info']);
  });

  it('reports a trailer with an unknown rule or no reason on its message, and waives nothing with it', async () => {
    const series = await withTrailers('Altp2m-Policy-Ack: altp2m-domtcl toolstack only', 'Altp2m-Policy-Ack:');
    const review = reviewSeries(series, xenAltp2m, DEFAULT_CONFIG);
    expect(review.findings.map((f) => f.severity)).toEqual(['error', 'error']);
    expect(review.waiverProblems).toEqual([
      { anchor: series.patches[0]!.message.id, messageId: '<20240603154011.4242-1-carol@example.net>', reason: expect.stringMatching(/altp2m-domtcl toolstack only: names no rule/) },
      { anchor: series.patches[0]!.message.id, messageId: '<20240603154011.4242-1-carol@example.net>', reason: expect.stringMatching(/^Altp2m-Policy-Ack: : names no rule/) },
    ]);
  });

  it('waives on an ack given in a reply in the thread, on that patch and on the same finding of a later version', async () => {
    const series = await withTrailers();
    const first = reviewSeries(series, xenAltp2m, DEFAULT_CONFIG);
    const fingerprints = first.findings.map((f) => f.fingerprint);
    const threadAck = { rule: 'altp2m-domctl', reason: 'agreed', by: JULIA, anchors: [series.patches[0]!.message.id], fingerprints: [] };
    expect(verdicts(series).map((v) => v[0])).toEqual(['error', 'error']);
    const waived = reviewSeries(series, xenAltp2m, DEFAULT_CONFIG, undefined, { maintainers: MAINTAINERS, threadAcks: [threadAck] }).findings;
    expect(waived.map((f) => [f.severity, f.waiver])).toEqual([['info', { by: 'Julia Rest <julia.rest@example.org>', reason: 'agreed' }], ['info', { by: 'Julia Rest <julia.rest@example.org>', reason: 'agreed' }]]);
    // v2: another message, the same findings (fingerprints).
    const v2 = assembleSeries(await patchesOf(Buffer.from(fixture('input/domctl.patch').toString().replace('Message-Id: <20240603154011.4242-1-carol@example.net>', 'Message-Id: <v2@example.net>').replace('[PATCH]', '[PATCH v2]'))))[0]!;
    const later = { ...threadAck, fingerprints: [fingerprints[0]!] };
    expect(reviewSeries(v2, xenAltp2m, DEFAULT_CONFIG, undefined, { maintainers: MAINTAINERS, threadAcks: [later] }).findings.map((f) => f.severity)).toEqual(['info', 'error']);
    // The author acking in a reply is still only a request.
    const own = { ...threadAck, by: CAROL };
    expect(reviewSeries(series, xenAltp2m, DEFAULT_CONFIG, undefined, { maintainers: MAINTAINERS, threadAcks: [own] }).findings.map((f) => f.waiverRequest?.why)).toEqual(["it is the patch author's own", "it is the patch author's own"]);
  });
});
