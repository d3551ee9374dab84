// The engine with a test-only rule pack (a real rule module shape): scoping, config, failures
// recorded instead of thrown, waivers and fingerprints.
import { describe, expect, it } from 'vitest';
import { reviewSeries } from '../../src/engine/engine.js';
import { validateConfig, type Config } from '../../src/engine/config.js';
import { DEFAULT_CONFIG } from '../support/pack.js';
import type { Rule, RulePack } from '../../src/engine/rule.js';
import { assembleSeries, type Series } from '../../src/ingest/series.js';
import { fixture, patchesOf } from '../ingest/read.js';

/** Test pack: flags every added `#define XEN_DOMCTL_*` line (the shape of altp2m-domctl). */
const defineRule: Rule = {
  id: 'test-domctl-define',
  meta: { severity: 'error', messages: { define: 'a DOMCTL define' } },
  summary: 'test rule: added XEN_DOMCTL defines',
  docs: 'Test-only rule.',
  check(series, context) {
    for (const patch of series.patches)
      for (const file of patch.diff.files)
        for (const hunk of file.hunks)
          for (const line of hunk.lines)
            if (line.kind === 'add' && line.text.startsWith('#define XEN_DOMCTL_'))
              context.report({ messageId: 'define', path: file.path, line, anchor: patch.message.id });
  },
};
const seenFiles: string[] = [];
const spyRule: Rule = { id: 'test-spy', meta: { severity: 'info', messages: {} }, summary: 'records the files it sees', docs: 'Test-only rule.', check: (s) => void seenFiles.push(...s.patches.flatMap((p) => p.diff.files.map((f) => f.path))) };
const brokenRule: Rule = { id: 'test-broken', meta: { severity: 'warning', messages: {} }, summary: 'always throws', docs: 'Test-only rule.', check: () => { throw new Error('rule bug'); } };
const PACK: RulePack = {
  name: 'test-pack',
  rules: [defineRule, spyRule, brokenRule],
  policy: 'docs/test-policy.md',
  waiverTrailer: 'Test-Policy-Ack',
  watch: DEFAULT_CONFIG.watch,
  wording: { reviews: 'a test policy', clean: 'No test findings' },
};

async function series(name: string): Promise<Series> {
  const patches = (await patchesOf(fixture(name))).filter((p) => p.kind === 'patch' || p.kind === 'cover');
  return assembleSeries(patches)[0]!;
}

describe('reviewSeries', () => {
  it('runs every rule; a throwing rule is a recorded failure, not a crash', async () => {
    const { findings, failures } = reviewSeries(await series('input/domctl.patch'), PACK, DEFAULT_CONFIG);
    expect(findings.map((f) => [f.rule, f.severity, f.path, f.line])).toEqual([['test-domctl-define', 'error', 'xen/include/public/domctl.h', 9]]);
    expect(findings[0]!.policy).toBe('docs/test-policy.md');
    expect(failures).toEqual([{ rule: 'test-broken', seriesId: '<20240603154011.4242-1-carol@example.net>', reason: 'rule bug' }]);
  });

  it('shows rules only the watched files, and nothing of a series that touches none', async () => {
    seenFiles.length = 0;
    reviewSeries(await series('input/series-v3.mbox'), PACK, DEFAULT_CONFIG);
    expect(seenFiles).toEqual(['xen/include/public/hvm/hvm_op.h', 'xen/arch/x86/hvm/hvm.c']);
    seenFiles.length = 0;
    const narrow: Config = { ...DEFAULT_CONFIG, watch: ['docs/**'] };
    reviewSeries(await series('input/domctl.patch'), PACK, narrow);
    expect(seenFiles).toEqual([]);
  });

  it('applies config: a rule off, a severity changed', async () => {
    const s = await series('input/domctl.patch');
    expect(reviewSeries(s, PACK, validateConfig({ rules: { 'test-domctl-define': 'off' } }, PACK)).findings).toEqual([]);
    expect(reviewSeries(s, PACK, validateConfig({ rules: { 'test-domctl-define': 'warning' } }, PACK)).findings.map((f) => f.severity)).toEqual(['warning']);
  });

  it('waives by config (message-id or subject) and says who', async () => {
    const s = await series('input/domctl.patch');
    const byId = validateConfig({ waivers: [{ rule: 'test-domctl-define', 'message-id': '20240603154011.4242-1-carol@example.net', by: 'Jan', reason: 'agreed' }] }, PACK);
    expect(reviewSeries(s, PACK, byId).findings.map((f) => [f.severity, f.waiver])).toEqual([['info', { by: 'Jan', reason: 'agreed' }]]);
    const bySubject = validateConfig({ waivers: [{ rule: 'test-domctl-define', subject: 'XEN_DOMCTL_altp2m', reason: 'agreed' }] }, PACK);
    expect(reviewSeries(s, PACK, bySubject).findings[0]!.waiver).toEqual({ by: 'config', reason: 'agreed' });
  });

  it("takes the author's own waiver trailer (the pack's; another pack's is not read) as a waiver requested, not granted", async () => {
    const text = fixture('input/domctl.patch').toString().replace('Signed-off-by: Carol Dev', 'Altp2m-Policy-Ack: test-domctl-define another pack\'s trailer\nTest-Policy-Ack: test-domctl-define toolstack only\nSigned-off-by: Carol Dev');
    const patches = await patchesOf(Buffer.from(text));
    const { findings } = reviewSeries(assembleSeries(patches)[0]!, PACK, DEFAULT_CONFIG);
    expect(findings.map((f) => [f.severity, f.waiver, f.waiverRequest])).toEqual([
      ['error', undefined, { by: 'Carol Dev <carol@example.net>', reason: 'toolstack only', why: "it is the patch author's own" }],
    ]);
  });

  it('fingerprints from rule, path and evidence: stable when lines move', async () => {
    const s = await series('input/domctl.patch');
    const moved = await patchesOf(Buffer.from(fixture('input/domctl.patch').toString().replace('@@ -6,6 +6,14 @@', '@@ -60,6 +60,14 @@')));
    const [a, b] = [reviewSeries(s, PACK, DEFAULT_CONFIG).findings[0]!, reviewSeries(assembleSeries(moved)[0]!, PACK, DEFAULT_CONFIG).findings[0]!];
    expect(a.line).not.toBe(b.line);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });
});
