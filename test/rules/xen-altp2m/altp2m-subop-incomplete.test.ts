import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectGolden, goldenSuite, messageIds, only, review } from './golden.js';

const { byName } = goldenSuite('altp2m-subop-incomplete', { fires: 3, silent: 3 });

describe('altp2m-subop-incomplete findings', () => {
  it('names the missing part: the validity switch entry, or the handler', async () => {
    const whitelist = byName('fires--missing-whitelist');
    const a = only(await review(whitelist.mbox), messageIds(whitelist)[0]!, 'altp2m-subop-incomplete');
    expect(a.message).toMatch(/`case HVMOP_altp2m_get_default_access:` entry in the validity switch/);
    expect(a.message).not.toMatch(/a handler/);

    const handler = byName('fires--missing-handler');
    const b = only(await review(handler.mbox), messageIds(handler)[0]!, 'altp2m-subop-incomplete');
    expect(b.message).toMatch(/a handler `case HVMOP_altp2m_flush_view:`/);
    expect(b.message).not.toMatch(/validity switch/);
  });

  it('asks for the public definition of a subop that only gets a handler', async () => {
    const c = byName('fires--handler-for-undefined-subop');
    const f = only(await review(c.mbox), messageIds(c)[0]!, 'altp2m-subop-incomplete');
    expect(f.evidence.map((e) => e.trim())).toEqual(['case HVMOP_altp2m_get_visibility:']);
    expect(f.message).toMatch(/xen\/include\/public\/hvm\/hvm_op\.h/);
  });

  it('judges the series the same whatever order its messages arrive in', async () => {
    const c = byName('silent--series-out-of-order');
    const messages = readFileSync(c.mbox, 'latin1').split(/(?=^From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$)/m);
    expect(messages).toHaveLength(4);
    expectGolden(await review(Buffer.from([...messages].reverse().join(''), 'latin1')), c.expected);
  });
});
