import type { Rule } from '../../src/engine/rule.js';
import { subopLedger } from './subops.js';
import { WHERE } from './policy.js';

export const altp2mSubopIncomplete: Rule = {
  id: 'altp2m-subop-incomplete',
  meta: {
    severity: 'warning',
    messages: {
      notWired: `{{name}} is defined, but this series does not add {{missing}}. Every subop of the altp2m HVMOP must be wired through do_altp2m_op() (see ${WHERE}).`,
      undefinedSubop: `do_altp2m_op() gains a handler for {{name}}, but no patch of this series defines it in xen/include/public/hvm/hvm_op.h. Define the subop number in the public header in the same series (see ${WHERE}).`,
    },
  },
  summary: 'a new HVMOP_altp2m_* subop not wired through do_altp2m_op() (whitelist and handler), or a handler for a subop never defined',
  docs: `
Why: do_altp2m_op() in xen/arch/x86/hvm/hvm.c first checks the subop against an explicit
\`case HVMOP_altp2m_…: break;\` list (since 2016; before, a range check), then dispatches it.
A subop defined in hvm_op.h but missing from that list always fails with -EOPNOTSUPP; one
with no handler hits the dispatch's default.

Fires (warning): a subop the series defines (hvm_op.h) but for which no patch of the series
adds, or shows in context, both a whitelist entry and a handler case; or a series that adds
both a whitelist entry and a handler for a subop that no patch defines and that the series
does not merely move.

Silent: the parts arrive in different patches of one series, in any order; the whitelist
switch replacing the old range check (2016) for subops that already existed; a case label
that moves.
`,
  check(series, context) {
    const ledger = subopLedger(series);
    for (const [name, site] of ledger.defined) {
      const missing: string[] = [];
      if (!ledger.whitelisted.has(name) && !ledger.rangeChecked) missing.push(`the \`case ${name}:\` entry in the validity switch at the top of do_altp2m_op() (without it the subop always fails with -EOPNOTSUPP)`);
      if (!ledger.handled.has(name)) missing.push(`a handler \`case ${name}:\` in do_altp2m_op()'s dispatch`);
      if (missing.length === 0) continue;
      context.report({ messageId: 'notWired', data: { name, missing: missing.join(', nor ') }, path: site.path, line: site.line, side: 'new', anchor: site.patch.message.id, subject: name });
    }
    for (const [name, site] of ledger.addedHandlers) {
      if (ledger.defined.has(name) || ledger.removedCases.has(name) || !ledger.addedWhitelist.has(name)) continue;
      if (ledger.undefinedBySeries.has(name)) continue;
      context.report({ messageId: 'undefinedSubop', data: { name }, path: site.path, line: site.line, side: 'new', anchor: site.patch.message.id, subject: `handler:${name}` });
    }
  },
};
