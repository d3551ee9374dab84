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
  if (line.length === 0 || !/^[A-Za-z_$]/.test(line)) return null;
  const trimmed = line.trimEnd();
  if (trimmed.endsWith(';')) return null;
  const aggregate = AGGREGATE_DEF.exec(trimmed);
  if (aggregate) return `${aggregate[1]} ${aggregate[2]}`;
  const fn = FUNCTION_DEF.exec(trimmed);
  if (fn?.[1] && !/^[A-Z0-9_]+$/.test(fn[1])) return fn[1];
  // An all-caps name is a macro invocation (`DEFINE_PER_CPU(...)`) unless it is the
  // hunk context, where git only shows definitions; treat it as a scope too.
  if (fn?.[1]) return fn[1];
  return null;
}

/** True when a line at column 0 closes the current top-level scope (`}` or `};`). */
export function closesScope(line: string): boolean {
  return /^\}/.test(line);
}

/** The scope named by a hunk header's context text. */
export function scopeFromHunkContext(context: string): string | undefined {
  return scopeOpenedBy(context.trim()) ?? undefined;
}
