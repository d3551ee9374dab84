import { describe, expect, it } from 'vitest';
import { parseSubject } from '../../src/ingest/subject.js';

describe('parseSubject', () => {
  it.each([
    ['[PATCH v3 2/5] x86/altp2m: add HVMOP_altp2m_get_visibility', { isPatch: true, isReply: false, version: 3, index: 2, total: 5, prefixes: [], title: 'x86/altp2m: add HVMOP_altp2m_get_visibility' }],
    ['[RFC PATCH] xen/domctl: altp2m views', { isPatch: true, version: 1, index: null, total: null, prefixes: ['RFC'], title: 'xen/domctl: altp2m views' }],
    ['[PATCH for-4.19 v2 0/3] x86/altp2m: view count', { isPatch: true, version: 2, index: 0, total: 3, prefixes: ['for-4.19'] }],
    ['[PATCHv2] x86/hvm: tidy do_altp2m_op()', { isPatch: true, version: 2, index: null, total: null }],
    ['[PATCH v2] [Xen-devel] x86/hvm: tidy', { isPatch: true, version: 2, prefixes: ['Xen-devel'] }],
    ['[Xen-devel] [PATCH v4 1/2] xsm: altp2m', { isPatch: true, version: 4, index: 1, total: 2, prefixes: ['Xen-devel'], title: 'xsm: altp2m' }],
    ['[PATCH RESEND v5 03/10] tools: altp2m', { isPatch: true, version: 5, index: 3, total: 10, prefixes: ['RESEND'] }],
    ['Re: [PATCH v3 2/5] x86/altp2m: add HVMOP_altp2m_get_visibility', { isPatch: false, isReply: true, version: 3, index: 2, total: 5 }],
    ['RE: Re: AW: [PATCH] x', { isPatch: false, isReply: true }],
    ['Fwd: [PATCH] x', { isPatch: false, isReply: true }],
    ['x86/altp2m: a commit with no brackets', { isPatch: false, isReply: false, version: 1, index: null, total: null, title: 'x86/altp2m: a commit with no brackets' }],
    ['', { isPatch: false, isReply: false, title: '' }],
  ])('%j', (subject, expected) => {
    expect(parseSubject(subject)).toMatchObject(expected);
  });

  it('unfolds white space of folded headers', () => {
    expect(parseSubject('[PATCH v2\t1/2]   x86:\n two  lines').title).toBe('x86: two lines');
  });

  it('survives a 10 kB subject of unclosed brackets quickly', () => {
    const start = performance.now();
    const parsed = parseSubject('['.repeat(10_000) + 'PATCH');
    expect(parsed.isPatch).toBe(false);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
