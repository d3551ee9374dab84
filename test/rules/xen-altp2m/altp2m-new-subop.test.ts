import { describe, expect, it } from 'vitest';
import { casesFor, goldenSuite, messageIds, only, review } from './golden.js';
import { libxcAltp2mFile } from '../../../rules/xen-altp2m/paths.js';

const { byName } = goldenSuite('altp2m-new-subop', { fires: 2, silent: 2 });

describe('altp2m-new-subop findings', () => {
  it('reminds that the subop is live in the unevaluated mixed mode, and asks for a decision', async () => {
    const c = casesFor('altp2m-new-subop--fires--defining-patch')[0]!;
    const f = only(await review(c.mbox), messageIds(c)[0]!, 'altp2m-new-subop');
    expect(f.message).toMatch(/HVMOP_altp2m_get_view_count/);
    expect(f.message).toMatch(/live in 'mixed' mode/);
    expect(f.message).toMatch(/has not been evaluated for safety/);
    expect(f.message).toMatch(/xsm_hvm_altp2mhvm_op\(\)/);
    // 2/2 of the series adds xc_altp2m_get_view_count(): no "missing wrapper" remark.
    expect(f.message).not.toMatch(/No libxc wrapper/);
  });

  it('mentions a missing libxc wrapper when no patch of the series adds one, without a path when the series does not show the tree', async () => {
    const c = casesFor('altp2m-subop-incomplete--fires--missing-handler')[0]!;
    const f = only(await review(c.mbox), messageIds(c)[0]!, 'altp2m-new-subop');
    expect(f.message).toMatch(/No libxc wrapper in this series uses it yet/);
    expect(f.message).not.toMatch(/tools\//);
  });

  it("names the libxc file of the series' own tree: tools/libxc/ before the 2020 move", async () => {
    const c = byName('fires--libxc-tree-prototype-only');
    const f = only(await review(c.mbox), messageIds(c)[0]!, 'altp2m-new-subop');
    expect(f.message).toMatch(/No libxc wrapper \(tools\/libxc\/xc_altp2m\.c\) in this series uses it yet/);
  });

  it.each([
    [['tools/libxc/include/xenctrl.h', 'xen/arch/x86/hvm/hvm.c'], [], 'tools/libxc/xc_altp2m.c'],
    [['tools/include/xenctrl.h'], [], 'tools/libs/ctrl/xc_altp2m.c'],
    [['tools/libs/light/libxl_create.c'], [], 'tools/libs/ctrl/xc_altp2m.c'],
    [['xen/include/public/hvm/hvm_op.h'], [' tools/libxc/xc_altp2m.c | 22 ++++'], 'tools/libxc/xc_altp2m.c'],
    [['xen/include/public/hvm/hvm_op.h'], ['The wrapper goes into tools/libs/ctrl/xc_altp2m.c next.'], 'tools/libs/ctrl/xc_altp2m.c'],
    [['xen/include/public/hvm/hvm_op.h', 'tools/include/xen-foreign/reference.size'], [], null],
    [['tools/libxc/xc_altp2m.c', 'tools/libs/ctrl/xc_altp2m.c'], [], null],
  ] as const)('libxcAltp2mFile(%j, %j) is %s', (paths, texts, file) => {
    expect(libxcAltp2mFile(paths, texts)).toBe(file);
  });
});
