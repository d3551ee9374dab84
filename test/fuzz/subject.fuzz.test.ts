import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSubject } from '../../src/ingest/subject.js';
import { fcOptions } from './runs.js';

const word = fc.constantFrom('PATCH', 'RFC', 'v2', 'v13', 'PATCHv3', '1/3', '0/5', '12/12', 'for-4.19', 'Xen-devel', 'RESEND', 'Re:', 'Fwd:', 'x86/altp2m:', '[', ']', ' ', ',', 'ä');
const subject = fc.oneof(fc.array(word, { maxLength: 14 }).map((w) => w.join(' ')), fc.string({ maxLength: 300 }), fc.array(word, { maxLength: 14 }).map((w) => w.join('')));

describe('fuzz: subject parser', () => {
  it('never throws; a reply is never a patch; n/N are numbers or both null', () => {
    fc.assert(
      fc.property(subject, (raw) => {
        const s = parseSubject(raw);
        expect(s.isPatch && s.isReply).toBe(false);
        expect((s.index === null) === (s.total === null)).toBe(true);
        expect(Number.isInteger(s.version) && s.version >= 0).toBe(true);
        expect(s.title).toBe(s.title.trim());
      }),
      fcOptions,
    );
  });

  it('reads back what a generator wrote', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), (version, total, rfc) => {
        const index = Math.min(total, 1 + (version % total));
        const s = parseSubject(`[${rfc ? 'RFC ' : ''}PATCH v${version} ${index}/${total}] x86/altp2m: change ${version}`);
        expect(s).toMatchObject({ isPatch: true, version, index, total, prefixes: rfc ? ['RFC'] : [], title: `x86/altp2m: change ${version}` });
        expect(parseSubject(`Re: [PATCH v${version} ${index}/${total}] x`).isPatch).toBe(false);
      }),
      fcOptions,
    );
  });
});
