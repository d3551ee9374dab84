import { describe, expect, it } from 'vitest';
import { parseDiff } from '../../src/diff/parse.js';
import type { Finding } from '../../src/engine/finding.js';
import {
  batches,
  buildAnnotations,
  buildReview,
  commentBody,
  conclusionFor,
  escapeData,
  escapeProperty,
  fingerprintMarker,
  headMarker,
  indexDiff,
  placeFinding,
  readMarkers,
  workflowCommands,
} from '../../src/report/github.js';

const DIFF = `diff --git a/xen/include/public/domctl.h b/xen/include/public/domctl.h
index 3f2a1c9b4e..8d7e6f5a21 100644
--- a/xen/include/public/domctl.h
+++ b/xen/include/public/domctl.h
@@ -10,5 +10,6 @@ struct xen_domctl {
 #define XEN_DOMCTL_a 1
-/* WARNING: not evaluated */
+#define XEN_DOMCTL_altp2m_get_views 89
+#define XEN_DOMCTL_b 2
 #define XEN_DOMCTL_c 3
 #define XEN_DOMCTL_d 4
 #define XEN_DOMCTL_e 5
`;
const index = indexDiff(parseDiff(DIFF));
const PATH = 'xen/include/public/domctl.h';

function finding(over: Partial<Finding> = {}): Finding {
  return {
    rule: 'altp2m-domctl',
    severity: 'error',
    path: PATH,
    line: 11,
    side: 'new',
    message: 'altp2m goes through HVMOP_altp2m, not a DOMCTL.',
    evidence: ['#define XEN_DOMCTL_altp2m_get_views 89'],
    policy: 'xen/arch/x86/hvm/hvm.c',
    anchor: 'sha256:0',
    fingerprint: 'abcdef0123456789',
    ...over,
  };
}

describe('indexDiff', () => {
  it('knows the commentable lines per side and maps a deleted line to its neighbour', () => {
    const file = index.get(PATH)!;
    expect([...file.right.keys()]).toEqual([10, 11, 12, 13, 14, 15]);
    expect([...file.left.keys()]).toEqual([10, 11, 12, 13, 14]);
    expect(file.left.get(11)).toBe('/* WARNING: not evaluated */');
    expect(file.leftToRight.get(11)).toBe(11);
  });
});

describe('placeFinding', () => {
  it('keeps a finding on its line and side', () => {
    expect(placeFinding(finding(), index)).toMatchObject({ path: PATH, line: 11, side: 'RIGHT' });
    expect(placeFinding(finding({ side: 'old', line: 11, evidence: ['/* WARNING: not evaluated */'] }), index)).toMatchObject({ line: 11, side: 'LEFT' });
  });
  it('follows the evidence to the one line that carries it, and drops a finding whose text is gone', () => {
    expect(placeFinding(finding({ line: 14 }), index)).toMatchObject({ line: 11 });
    expect(placeFinding(finding({ line: 11, evidence: ['int gone;'] }), index)).toBeNull();
    expect(placeFinding(finding({ line: 40 , evidence: [] }), index)).toBeNull();
    expect(placeFinding(finding({ line: 0 }), index)).toBeNull();
    expect(placeFinding(finding({ path: 'other.c' }), index)).toBeNull();
  });
  it('uses start_line for a range', () => {
    const c = placeFinding(finding({ line: 11, endLine: 12, evidence: ['#define XEN_DOMCTL_altp2m_get_views 89', '#define XEN_DOMCTL_b 2'] }), index)!;
    expect(c).toMatchObject({ start_line: 11, start_side: 'RIGHT', line: 12, side: 'RIGHT' });
    expect(c).not.toHaveProperty('position');
  });
});

describe('buildReview', () => {
  it('is null without findings', () => {
    expect(buildReview({ findings: [], index, headSha: 'f'.repeat(40) })).toBeNull();
  });
  it('carries markers: one per finding, and the head', () => {
    const r = buildReview({ findings: [finding(), finding({ line: 0, fingerprint: '1111111111111111' })], index, headSha: 'f'.repeat(40) })!;
    expect(r.comments).toHaveLength(1);
    expect(readMarkers(r.comments[0]!.body).fingerprints).toEqual(['abcdef0123456789']);
    expect(readMarkers(r.body)).toEqual({ fingerprints: ['1111111111111111'], heads: ['f'.repeat(40)], resolved: [] });
    expect(r.event).toBe('COMMENT');
  });
  it('puts at most 30 inline and keeps the body under 65,536 characters with 900 findings', () => {
    const many = Array.from({ length: 900 }, (_, i) => finding({ fingerprint: i.toString(16).padStart(16, '0'), evidence: ['#define XEN_DOMCTL_altp2m_get_views 89'], message: 'x'.repeat(200) }));
    const r = buildReview({ findings: many, index, headSha: 'f'.repeat(40) })!;
    expect(r.comments).toHaveLength(30);
    expect(r.body.length).toBeLessThan(65_536);
    expect(r.body).toMatch(/…and \d+ more finding\(s\), listed in the check run\./);
    expect(readMarkers(r.body).heads).toEqual(['f'.repeat(40)]);
  });
});

describe('markers', () => {
  it('round-trip', () => {
    expect(readMarkers(`x ${fingerprintMarker('00ff')} y ${headMarker('abc123')}`)).toEqual({ fingerprints: ['00ff'], heads: ['abc123'], resolved: [] });
    expect(readMarkers(null).fingerprints).toEqual([]);
  });
});

describe('workflow commands', () => {
  it('escape data and properties the way the runner unescapes them', () => {
    expect(escapeData('50% done\r\nnext')).toBe('50%25 done%0D%0Anext');
    expect(escapeProperty('a:b,c%')).toBe('a%3Ab%2Cc%25');
  });
  it('annotate deleted lines at their post-image neighbour', () => {
    const text = workflowCommands([finding({ path: 'x,y:z.c', message: 'two\nlines' }), finding({ severity: 'warning', side: 'old', line: 11, endLine: undefined }), finding({ severity: 'info', endLine: 12 })], index);
    expect(text.split('\n')).toEqual([
      '::error file=x%2Cy%3Az.c,line=11,title=altp2m-domctl (error)::two%0Alines',
      `::warning file=${PATH},line=11,title=altp2m-domctl (warning)::altp2m goes through HVMOP_altp2m, not a DOMCTL.`,
      `::notice file=${PATH},line=11,endLine=12,title=altp2m-domctl (info)::altp2m goes through HVMOP_altp2m, not a DOMCTL.`,
      '',
    ]);
  });
});

describe('check run', () => {
  it('annotations have the checks API levels and come in batches of 50', () => {
    const a = buildAnnotations([finding(), finding({ severity: 'warning', side: 'old' })], index);
    expect(a.map((x) => [x.annotation_level, x.start_line, x.end_line])).toEqual([['failure', 11, 11], ['warning', 11, 11]]);
    expect(batches(Array.from({ length: 120 }, (_, i) => i), 50).map((b) => b.length)).toEqual([50, 50, 20]);
  });
  it('concludes from fail-on', () => {
    expect(conclusionFor([], 'error')).toBe('success');
    expect(conclusionFor([finding()], 'error')).toBe('failure');
    expect(conclusionFor([finding({ severity: 'warning' })], 'error')).toBe('neutral');
    expect(conclusionFor([finding()], 'never')).toBe('neutral');
  });
});

describe('waivers in comments', () => {
  it("says a waiver requested (the author's own ack) needs a maintainer's ack; a granted one who gave it", () => {
    const asked = commentBody(finding({ waiverRequest: { by: 'Jane <jane@example.org>', reason: 'toolstack only', why: "it is the patch author's own" } }));
    expect(asked).toContain("Waiver requested by Jane <jane@example.org>; needs a maintainer's ack (it is the patch author's own): toolstack only");
    expect(commentBody(finding({ severity: 'info', waiver: { by: 'Jan <jan@example.org>', reason: 'agreed' } }))).toContain('Waived by Jan <jan@example.org>: agreed');
  });
});
