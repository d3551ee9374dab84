import { describe, expect, it } from 'vitest';
import { goldenSuite, messageIds, only, review } from './golden.js';

const { byName } = goldenSuite('altp2m-doc-warning', { fires: 8, silent: 6 });

describe('altp2m-doc-warning findings', () => {
  it('quotes the deleted sentences of the warning, on the old side, and asks to keep them', async () => {
    const c = byName('fires--paragraph-deleted');
    const f = only(await review(c.mbox), messageIds(c)[0]!, 'altp2m-doc-warning');
    expect(f.side).toBe('old');
    expect(f.evidence).toEqual([
      " * Note that 'mixed' mode has not been evaluated for safety from a",
      ' * security perspective.  Before it is used in a security-critical',
      ' * environment, each subop must be evaluated for safety, and the',
      ' * subops found unsafe blacklisted in xsm_hvm_altp2mhvm_op().',
    ]);
    expect(f.message).toMatch(/Keep the paragraph/);
  });

  it('names the one meaning a weakening removed', async () => {
    const c = byName('fires--weakened');
    const f = only(await review(c.mbox), messageIds(c)[0]!, 'altp2m-doc-warning');
    expect(f.message).toMatch(/no longer says that mixed mode has not been evaluated for safety\./);
    expect(f.evidence).toEqual([" * Note that 'mixed' mode has not been evaluated for safety from a"]);
  });

  it('reports a move between files as an info note naming both files, on the patch that removes it', async () => {
    const c = byName('fires--moved-between-files');
    const [first, second] = messageIds(c);
    const reviewed = await review(c.mbox);
    expect(reviewed.byMessage.get(first!)).toEqual([]);
    const f = only(reviewed, second!, 'altp2m-doc-warning');
    expect(f.severity).toBe('info');
    expect(f.message).toMatch(/moved from xen\/include\/public\/hvm\/params\.h to xen\/include\/public\/domctl\.h/);
  });

  it('asks for the warning where mixed mode is newly defined or documented', async () => {
    for (const name of ['fires--new-mixed-define', 'fires--xlcfg-mixed-doc', 'fires--xlcfg-mode-list']) {
      const c = byName(name);
      const f = only(await review(c.mbox), messageIds(c)[0]!, 'altp2m-doc-warning');
      expect(f.side).toBe('new');
      expect(f.message).toMatch(/without the safety warning/);
      expect(f.message).toMatch(/has not been evaluated for safety/);
    }
  });

  it('judges a new mode by what it lets the guest do, whatever its name', async () => {
    for (const name of ['fires--new-guest-mode-define', 'fires--xlcfg-new-guest-mode-item']) {
      const c = byName(name);
      const f = only(await review(c.mbox), messageIds(c)[0]!, 'altp2m-doc-warning');
      expect(f.message).toMatch(/shared.*lets the guest itself use the altp2m interface as 'mixed' mode does/);
    }
  });
});
