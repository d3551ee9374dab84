/**
 * The policy text findings quote from (docs/policy.md), documented in 2018 (commit "hvm/altp2m:
 * Clarify the proper way to extend the altp2m interface") above do_altp2m_op().
 */
/** Where the policy is written, as every finding cites it (the JSON report's `policy`). */
export const POLICY_REFERENCE = 'xen/arch/x86/hvm/hvm.c, comment above do_altp2m_op()';

/** The trailer a maintainer waives a finding with: `Altp2m-Policy-Ack: <rule> <reason>`. */
export const WAIVER_TRAILER = 'Altp2m-Policy-Ack';

export const WHERE = 'the comment above do_altp2m_op() in xen/arch/x86/hvm/hvm.c';

export const ONE_INTERFACE =
  'altp2m has one interface: every extension is a new subop of the single HVMOP (HVMOP_altp2m), so that an in-guest agent can use it too; nothing altp2m goes into a DOMCTL, even for the external (dom0) use case';

export const MIXED_UNEVALUATED =
  "new subops are live in 'mixed' mode by default, and that mode has not been evaluated for safety: each subop must be evaluated before use in a security-critical environment, and unsafe ones blacklisted in XSM (xsm_hvm_altp2mhvm_op())";

/** Altp2m in an identifier or expression: `altp2m`, `ALTP2M`, `nr_altp2m`, `HVMOP_altp2m_*`. */
export const ALTP2M_TOKEN = /altp2m/i;

/**
 * "Mixed mode has not been evaluated for safety", matched on folded prose: "has not (yet) been
 * evaluated … for safety", "has never been security-audited", "nobody has assessed its
 * safety", "has not undergone a security review", "unevaluated".
 */
export const NOT_EVALUATED =
  /\b(?:not|never)(?: (?:yet|been|fully|formally|properly|independently))* (?:(?:evaluated|audited|reviewed|assessed|vetted|analy[sz]ed|checked)\b[^.]{0,60}\b(?:safe|safety|secur)|(?:security|safety)[- ](?:evaluated|audited|reviewed|assessed|vetted|analy[sz]ed|checked)\b|(?:undergone|received|had|seen|gone through)\b[^.]{0,40}\b(?:evaluation|audit|review|assessment|analysis))|\b(?:nobody|no one|no-one)(?: has| have)?(?: yet)? (?:evaluated|audited|reviewed|assessed|vetted|analy[sz]ed|checked)\b[^.]{0,60}\b(?:safe|safety|secur)|\b(?:unevaluated|unaudited|unvetted|unassessed|unreviewed)\b/;

/** The three meanings of the P3 warning, matched on folded prose (see `proseOf`). */
export const WARNING_CONCEPTS = [
  {
    id: 'not-evaluated',
    label: "mixed mode has not been evaluated for safety",
    pattern: NOT_EVALUATED,
  },
  {
    id: 'evaluate-each-subop',
    label: 'each subop must be evaluated before use in a security-critical environment',
    pattern:
      /\b(?:each|every|all|individual|any)\b(?: [\w'-]+){0,3} (?:subops?|sub-ops?|operations?|hypercalls?)\b[^.]{0,60}\b(?:evaluat|audit|review|assess|vet|check)\w*|\b(?:evaluat|audit|review|assess|vet)\w*\b[^.]{0,30}\b(?:each|every|all|individual)\b(?: [\w'-]+){0,2} (?:subops?|sub-ops?|operations?)|\b(?:subops?|sub-ops?)\b(?:(?!\bnot\b|n't\b)[^.]){0,40}\b(?:evaluated|audited|reviewed|assessed|vetted|checked)\b[^.]{0,20}\b(?:one by one|individually|separately|in turn)/,
  },
  {
    id: 'blacklist-in-xsm',
    label: 'unsafe subops are blacklisted in XSM',
    pattern:
      /(?<!(?:\bnot|\bnever|n't|\bno longer)(?: need to| have to)?(?: be| been)? )\b(?:blacklist\w*|black-list\w*|denylist\w*|deny-list\w*|blocklist\w*|den(?:y|ied|ies)|disallow\w*|block\w*|restrict\w*|forbid\w*|prohibit\w*|reject\w*|refus\w*|filter\w*|disabl\w*|exclud\w*|unavailable|turn(?:ed|s)? off|switch(?:ed|es)? off)\b[^.]{0,80}\b(?:xsm|flask|xsm_hvm_altp2mhvm_op)|\b(?:xsm|flask)\b[^.]{0,60}\b(?:blacklist|denylist|blocklist|den(?:y|ied|ies)|disallow|block|restrict|forbid|reject|refuse)/,
  },
] as const;

export type WarningConceptId = (typeof WARNING_CONCEPTS)[number]['id'];

export function conceptsIn(prose: string): Set<WarningConceptId> {
  const found = new Set<WarningConceptId>();
  for (const concept of WARNING_CONCEPTS) if (concept.pattern.test(prose)) found.add(concept.id);
  return found;
}

/**
 * Words of which a line of text names one (in any case) whenever the prose of lines it is in
 * could speak of mixed mode, altp2m or subops, or say that something was not evaluated: each
 * way NOT_EVALUATED can match contains one of them. Folding prose only turns markers and white
 * space into spaces and lower-cases it, so such a word stands on one line, unless POD markup
 * (`B<…>`, taken away) joins text across it.
 */
export const WARNING_HINT = /mixed|altp2m|subop|safe|secur|evaluat|audit|review|assess|analysis|vetted/i;
