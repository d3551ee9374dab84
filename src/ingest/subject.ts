/**
 * Patch subjects as xen-devel writes them:
 *
 *     [PATCH v3 2/5] x86/altp2m: add HVMOP_altp2m_get_visibility
 *     [RFC PATCH] ...            [PATCH for-4.19 v2 0/3] ...        Re: [PATCH] ...
 */
export interface ParsedSubject {
  /** The subject without `Re:` and bracketed prefixes. */
  readonly title: string;
  /** Words inside the brackets other than PATCH, the version and n/N: `RFC`, `for-4.19`, `resend`. */
  readonly prefixes: readonly string[];
  readonly isPatch: boolean;
  readonly isReply: boolean;
  readonly version: number;
  /** n of n/N; null when the subject has none. */
  readonly index: number | null;
  /** N of n/N; null when the subject has none. */
  readonly total: number | null;
}

const REPLY = /^\s*(?:(?:re|aw|sv|fwd?)\s*(?:\[\d+\])?\s*:\s*)+/i;

export function parseSubject(raw: string): ParsedSubject {
  let rest = raw.replace(/\s+/g, ' ').trim();
  const isReply = REPLY.test(rest);
  rest = rest.replace(REPLY, '');
  const prefixes: string[] = [];
  let isPatch = false;
  let version = 1;
  let index: number | null = null;
  let total: number | null = null;
  // Leading bracket groups: "[PATCH v2 1/3]", "[Xen-devel]", "[RFC PATCH for-4.19]".
  for (;;) {
    const group = /^\[([^\]]*)\]\s*/.exec(rest);
    if (!group) break;
    rest = rest.slice(group[0].length);
    for (const word of (group[1] ?? '').split(/[\s,]+/).filter(Boolean)) {
      const upper = word.toUpperCase();
      const v = /^v(\d+)$/i.exec(word);
      const n = /^(\d+)\/(\d+)$/.exec(word);
      if (upper === 'PATCH' || upper === 'PATCHV' || /^PATCHV\d+$/.test(upper)) {
        isPatch = true;
        const inline = /^PATCHV(\d+)$/.exec(upper);
        if (inline?.[1]) version = Number(inline[1]);
      } else if (v?.[1]) version = Number(v[1]);
      else if (n?.[1] && n[2]) {
        index = Number(n[1]);
        total = Number(n[2]);
      } else prefixes.push(word);
    }
  }
  return { title: rest.trim(), prefixes, isPatch: isPatch && !isReply, isReply, version, index, total };
}
