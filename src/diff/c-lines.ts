/**
 * What a line of C says, for the rules of any pack: the names it defines, the switch labels
 * it is, the braces it opens. Each takes the text of one line (a diff line's `text`, or its
 * code without comments: `codeOnly` in queries.ts).
 *
 *     #define XEN_DOMCTL_altp2m_get_views 89       numericDefine → XEN_DOMCTL_altp2m_get_views
 *     #define XEN_ALTP2M_mixed (1U)                numericDefine → XEN_ALTP2M_mixed
 *     case HVMOP_altp2m_set_visibility:            caseLabel → HVMOP_altp2m_set_visibility
 */

/** The name a `#define` line defines, whatever its value. */
export function definedName(text: string): string | undefined {
  return /^\s*#\s*define\s+(\w+)/.exec(text)?.[1];
}

/** The name a `#define NAME <number>` line defines: its value starts with a digit, maybe after `(`. */
export function numericDefine(text: string): string | undefined {
  return /^\s*#\s*define\s+(\w+)\s+\(?\s*\d/.exec(text)?.[1];
}

/** The label of a `case LABEL:` line. */
export function caseLabel(text: string): string | undefined {
  return /^\s*case\s+(\w+)\s*:/.exec(text)?.[1];
}

/** Whether the line starts with a label of a switch: `case LABEL:` or `default:`. */
export function isSwitchLabel(text: string): boolean {
  return /^\s*(?:case\s+\w+|default)\s*:/.test(text);
}

/** The braces a line opens less those it closes. */
export function braceDelta(text: string): number {
  let delta = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x7b) delta++;
    else if (ch === 0x7d) delta--;
  }
  return delta;
}
