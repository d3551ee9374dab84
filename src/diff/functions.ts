/**
 * Which C scope (function, struct, union) a diff line sits in, as far as a hunk shows it.
 *
 * git puts the last line before the hunk that starts with a letter, `_` or `$` after the
 * second `@@` (its default funcname pattern), e.g. `@@ -4512,6 +4512,7 @@ static int
 * do_altp2m_op(`. Inside the hunk a new top-level definition can start, so the scope is
 * followed line by line.
 */

const FUNCTION_DEF =
  /^(?!(?:if|for|while|switch|return|else|do|case|goto|sizeof)\b)[A-Za-z_][\w\s*,()]*?\b([A-Za-z_]\w*)\s*\(/;
const AGGREGATE_DEF = /^(?:typedef\s+)?(struct|union|enum)\s+([A-Za-z_]\w*)\s*(?:\{.*)?$/;

/**
 * The scope a top-level line opens, or null when it opens none. A line ending in `;` is a
 * declaration or a statement, not a definition.
 */
export function scopeOpenedBy(line: string): string | null {
  // Most lines of a hunk are indented: test the first character before any regex.
  if (!startsIdentifier(line.charCodeAt(0))) return null;
  const trimmed = line.trimEnd();
  if (trimmed.endsWith(';')) return null;
  if (trimmed.startsWith('typedef') || trimmed.startsWith('struct') || trimmed.startsWith('union') || trimmed.startsWith('enum')) {
    const aggregate = AGGREGATE_DEF.exec(trimmed);
    if (aggregate) return `${aggregate[1]} ${aggregate[2]}`;
  }
  // An all-caps name is a macro invocation (`DEFINE_PER_CPU(...)`), yet in the hunk context
  // git only shows definitions: it is a scope too.
  return FUNCTION_DEF.exec(trimmed)?.[1] ?? null;
}

/** True when a line at column 0 closes the current top-level scope (`}` or `};`). */
export function closesScope(line: string): boolean {
  return line.charCodeAt(0) === 125; // '}'
}

/** `[A-Za-z_$]` (NaN, the first code of an empty line, is none). */
function startsIdentifier(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code === 36;
}

/** The scope named by a hunk header's context text. */
export function scopeFromHunkContext(context: string): string | undefined {
  return scopeOpenedBy(context.trim()) ?? undefined;
}
