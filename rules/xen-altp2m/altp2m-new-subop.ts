import type { Rule } from '../../src/engine/rule.js';
import { seriesFiles } from '../../src/diff/queries.js';
import { libxcAltp2mFile } from './paths.js';
import { subopLedger } from './subops.js';
import { MIXED_UNEVALUATED, WHERE } from './policy.js';

export const altp2mNewSubop: Rule = {
  id: 'altp2m-new-subop',
  meta: {
    severity: 'info',
    messages: {
      newSubop:
        `New altp2m subop {{name}}: ${MIXED_UNEVALUATED}. Please state in the commit message whether {{name}} is safe for use by the guest itself, ` +
        `or deny it to the guest in xsm_hvm_altp2mhvm_op() (see ${WHERE}).{{wrapper}}`,
    },
  },
  summary: "a new HVMOP_altp2m_* subop, added the right way: a reminder that it is live in the unevaluated 'mixed' mode",
  docs: `
Why: P1 asks that altp2m grow only by subops of the one HVMOP, and this is such a subop. But
P2 says new subops are available in 'mixed' mode by default, a mode that "has not been
evaluated for safety from a security perspective". The note asks author and reviewers to say
whether the subop is safe for an in-guest agent, or to blacklist it in XSM.

Fires (info): a \`#define HVMOP_altp2m_<name> <number>\` added to
xen/include/public/hvm/hvm_op.h, once per subop, on the patch that defines it. The note also
mentions when no libxc wrapper in the same series uses the subop.

Silent: a subop define that the same series removes elsewhere (moved or renumbered);
HVMOP_ALTP2M_INTERFACE_VERSION and other non-subop defines; struct or union changes alone.

The libxc file the note names is that of the tree the series is for, told by the paths it
touches or names: tools/libxc/xc_altp2m.c before libxenctrl moved below tools/libs (2020),
tools/libs/ctrl/xc_altp2m.c after; when the series shows neither, the note says "the libxc
wrapper" without a path.
`,
  check(series, context) {
    const ledger = subopLedger(series);
    // Which libxc file to name, from the tree the series is for; asked only when a note needs it.
    let wrapperFile: string | null | undefined;
    const libxc = (): string | null => {
      if (wrapperFile !== undefined) return wrapperFile;
      const files = [...seriesFiles(series), ...(context.unwatchedFiles?.() ?? [])].flatMap(({ file }) => (file.oldPath ? [file.path, file.oldPath] : [file.path]));
      const texts = [series.cover, ...series.patches].flatMap((patch) => (patch ? [patch.message.prose] : []));
      return (wrapperFile = libxcAltp2mFile(files, texts));
    };
    for (const [name, site] of ledger.defined) {
      const file = ledger.toolUsers.has(name) ? undefined : libxc();
      const wrapper = file === undefined ? '' : ` No libxc wrapper${file ? ` (${file})` : ''} in this series uses it yet.`;
      context.report({ messageId: 'newSubop', data: { name, wrapper }, path: site.path, line: site.line, side: 'new', anchor: site.patch.message.id, subject: name });
    }
  },
};
