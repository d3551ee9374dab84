/**
 * The anonymous structs/unions enclosing each line of a hunk image, read from the closing
 * lines below it (`} altp2m;`): a header hunk rarely shows the opening of what encloses it.
 *
 *     struct {
 *         uint32_t nr;          ← enclosed by "altp2m"
 *     } altp2m;
 *
 * Scanning the rest of the hunk from every member line costs the square of the hunk's length
 * (a new struct in public/domctl.h runs to hundreds of lines); `containersBelow` reads the
 * hunk once, from the end, and answers for every line.
 */

/** A closing brace below a line that no brace between them matched, with its line's name. */
interface Closer {
  readonly name: string | undefined;
  readonly next: Closer | null;
}

const NAMED_CLOSE = /\}\s*(\w+)\s*;/;

/**
 * `containersBelow(code)(i)`: the names of the containers line `i` sits in, outermost first.
 * A `}` that nothing below line `i` opened closes a container of line `i`, named by the first
 * `} name;` on its line (none when the line has none); braces opened and closed below line `i`
 * are balanced away.
 */
export function containersBelow(code: readonly string[]): (index: number) => string[] {
  // below[s]: the unmatched closing braces of lines s…end, in reading order, as a list that
  // shares its tail with below[s + 1]. A line's own unmatched `}` come first; each `{` it
  // leaves open is matched by the first unmatched `}` further down.
  const below: (Closer | null)[] = new Array<Closer | null>(code.length + 1).fill(null);
  for (let s = code.length - 1; s >= 0; s--) {
    const text = code[s] ?? '';
    let rest = below[s + 1] ?? null;
    if (!text.includes('{') && !text.includes('}')) {
      below[s] = rest;
      continue;
    }
    let open = 0;
    let closers = 0;
    for (let c = 0; c < text.length; c++) {
      const ch = text.charCodeAt(c);
      if (ch === 0x7b) open++;
      else if (ch === 0x7d) {
        if (open > 0) open--;
        else closers++;
      }
    }
    for (; open > 0 && rest !== null; open--) rest = rest.next;
    const name = closers > 0 ? NAMED_CLOSE.exec(text)?.[1] : undefined;
    for (let k = 0; k < closers; k++) rest = { name, next: rest };
    below[s] = rest;
  }
  return (index) => {
    const names: string[] = [];
    for (let at = below[index + 1] ?? null; at !== null; at = at.next) if (at.name !== undefined) names.unshift(at.name);
    return names;
  };
}
