import { parseAddressList, type Address } from '../ingest/message.js';

/**
 * Xen's `MAINTAINERS` file, read and matched the way its `scripts/get_maintainer.pl` does, so
 * the bot writes to the people `git send-email --cc-cmd=scripts/get_maintainer.pl` would.
 *
 * A section is a title line followed by `T: value` lines (tabs or spaces after the colon):
 *
 *     X86 ARCHITECTURE
 *     M:	Jan Beulich <jbeulich@suse.com>          maintainer
 *     R:	Teddy Astie <teddy.astie@vates.tech>     reviewer
 *     S:	Supported
 *     L:	xen-devel@lists.xenproject.org           mailing list
 *     F:	xen/arch/x86/                            files (globs; a trailing / takes the subtree)
 *     X:	xen/arch/x86/boot/                       files excluded, same syntax
 *     N:	altp2m                                   regular expression on file paths
 *     K:	\bxsm_                                   regular expression on the patch's text
 *
 * Matching, as get_maintainer.pl has it:
 * - F:/X: globs: `{a,b}` alternatives, `*` any characters (slashes too), `?` one character,
 *   everything else as written; a pattern matches a path that starts with it, and unless the
 *   pattern ends with `/`, only when both have as many slashes (`F: xen/*` is the files of
 *   `xen/`, not below; THE REST's `F: *` is the files at the top, and its star-slash pattern
 *   every file in a directory);
 * - a section with an X: pattern that matches a path is skipped for that path;
 * - N: and K: are Perl extended (`/x`) regular expressions: white space in them is not matched;
 *   K: is tried on the patch's added and removed lines and on its commit message;
 * - sections come most specific first (the deepest matching F: pattern);
 * - the people of "THE REST" are left out when every file also has a section of its own.
 *
 * Pure: the text comes in, the CLI reads the file (`--maintainers FILE`).
 */
export interface MaintainersSection {
  readonly name: string;
  readonly maintainers: readonly Address[];
  readonly reviewers: readonly Address[];
  readonly lists: readonly string[];
  readonly files: readonly FilePattern[];
  readonly excludes: readonly FilePattern[];
  readonly names: readonly RegExp[];
  readonly keywords: readonly RegExp[];
}

interface FilePattern {
  /** As written in the file. */
  readonly glob: string;
  readonly regex: RegExp;
  /** Ends with `/`: the subtree; else the slash count must be the path's. */
  readonly subtree: boolean;
  readonly slashes: number;
  /** How specific it is: get_maintainer.pl's pattern depth (-1 for a pattern starting with `*`). */
  readonly depth: number;
}

export interface Maintainers {
  readonly sections: readonly MaintainersSection[];
  /** Lines that could not be used (a bad regular expression, an address without `@`), each named. */
  readonly problems: readonly string[];
}

/** The section whose people stand in for everyone else's (get_maintainer.pl's "THE REST"). */
export const THE_REST = 'THE REST';

const FIELD = /^([A-Z]):\s*(.*?)\s*$/;

export function parseMaintainers(text: string): Maintainers {
  const sections: MaintainersSection[] = [];
  const problems: string[] = [];
  let title: string | null = null;
  let current: Mutable | null = null;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const field = FIELD.exec(line);
    if (!field) {
      // Any other non-blank line may be the title of the section whose fields follow.
      if (line.trim() !== '') {
        title = line.trim();
        current = null;
      }
      return;
    }
    if (current === null) {
      current = { name: title ?? '(untitled)', maintainers: [], reviewers: [], lists: [], files: [], excludes: [], names: [], keywords: [] };
      sections.push(current);
    }
    const section: Mutable = current;
    const [, type, value = ''] = field;
    const where = `line ${i + 1} (${section.name})`;
    try {
      switch (type) {
        case 'M':
        case 'R': {
          const [person] = parseAddressList(value);
          if (!person?.address.includes('@')) problems.push(`${where}: "${value}" is not an e-mail address`);
          else (type === 'M' ? section.maintainers : section.reviewers).push(person);
          break;
        }
        case 'L':
          if (value.split(/\s+/)[0]) section.lists.push(value.split(/\s+/)[0]!);
          break;
        case 'F':
          section.files.push(filePattern(value));
          break;
        case 'X':
          section.excludes.push(filePattern(value));
          break;
        case 'N':
          section.names.push(perlExtended(value));
          break;
        case 'K':
          section.keywords.push(perlExtended(value));
          break;
        default:
          break; // S:, W:, T:, V: and the rest say nothing about who to write to
      }
    } catch (error) {
      problems.push(`${where}: ${type}: ${value}: ${(error as Error).message}`);
    }
  });
  return { sections, problems };
}

type Mutable = { -readonly [K in keyof MaintainersSection]: MaintainersSection[K] extends readonly (infer T)[] ? T[] : MaintainersSection[K] };

/** get_maintainer.pl's glob: `{a,b}` → `(a|b)`, `.` literal, `*` → `.*`, `?` → `.`. */
function filePattern(glob: string): FilePattern {
  let source = glob;
  // Brace alternatives, not nested: each `,` inside braces becomes `|`.
  source = source.replace(/(^|[^\\])\{([^{}]*,[^{}]*)\}/g, (_, before: string, inner: string) => `${before}(${inner.split(',').join('|')})`);
  source = source.replace(/\./g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.');
  const subtree = glob.endsWith('/');
  const slashes = count(source, '/');
  const depth = source.startsWith('.*') ? -1 : slashes + (subtree ? 0 : 1);
  return { glob, regex: new RegExp(`^${source}`), subtree, slashes, depth };
}

function count(text: string, ch: string): number {
  let n = 0;
  for (const c of text) if (c === ch) n++;
  return n;
}

function fileMatches(pattern: FilePattern, path: string): boolean {
  if (!pattern.regex.test(path)) return false;
  return pattern.subtree || count(path, '/') === pattern.slashes;
}

/**
 * A Perl `/x` regular expression as a JavaScript one: white space outside character classes is
 * dropped, and so is a `#` comment. Throws when JavaScript cannot read what is left.
 */
export function perlExtended(source: string): RegExp {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '\\') {
      out += ch + (source[i + 1] ?? '');
      i++;
    } else if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
    } else if (ch === '[') {
      inClass = true;
      out += ch;
    } else if (ch === '#') break;
    else if (!/\s/.test(ch)) out += ch;
  }
  return new RegExp(out);
}

/** What the patch says, for K: — its commit message and its added and removed lines. */
export interface PatchText {
  readonly intro: string;
  readonly changedLines: readonly string[];
}

/** A section that matched, and how specifically. */
interface Matched {
  readonly section: MaintainersSection;
  readonly depth: number;
}

/** The sections of one path, most specific first (X: exclusions applied). */
export function sectionsForPath(maintainers: Maintainers, path: string): MaintainersSection[] {
  return matchPath(maintainers, path).map((m) => m.section);
}

function matchPath(maintainers: Maintainers, path: string): Matched[] {
  const out: Matched[] = [];
  for (const section of maintainers.sections) {
    if (section.excludes.some((p) => fileMatches(p, path))) continue;
    let depth: number | null = null;
    for (const pattern of section.files) if (fileMatches(pattern, path)) depth = Math.max(depth ?? -Infinity, pattern.depth);
    for (const name of section.names) if (name.test(path)) depth = Math.max(depth ?? -Infinity, 0);
    if (depth !== null) out.push({ section, depth });
  }
  // Stable: sections of equal depth keep the file's order.
  return out.sort((a, b) => b.depth - a.depth);
}

export interface Responsible {
  readonly maintainers: readonly Address[];
  readonly reviewers: readonly Address[];
  readonly lists: readonly string[];
}

/**
 * The maintainers (M:), reviewers (R:) and lists (L:) for some paths and a patch's text, each
 * person once (addresses compared without case), most specific section first. A person who is
 * both a maintainer and a reviewer is listed as a maintainer.
 */
export function responsibleFor(maintainers: Maintainers, paths: readonly string[], text?: PatchText): Responsible {
  const chosen: MaintainersSection[] = [];
  let restNeeded = false;
  for (const path of paths) {
    const matched = matchPath(maintainers, path);
    if (matched.every((m) => m.section.name === THE_REST)) restNeeded = true;
    for (const { section } of matched) if (!chosen.includes(section)) chosen.push(section);
  }
  if (text) {
    for (const section of maintainers.sections) {
      if (chosen.includes(section) || section.keywords.length === 0) continue;
      const hit = section.keywords.some((k) => k.test(text.intro) || text.changedLines.some((line) => k.test(line)));
      if (hit) chosen.push(section);
    }
  }
  // "THE REST" stands in only for files nobody else looks after.
  const others = chosen.filter((s) => s.name !== THE_REST);
  const sections = restNeeded || others.every((s) => s.maintainers.length + s.reviewers.length === 0) ? chosen : others;
  const take = firstOfEachAddress();
  const m = take(sections.flatMap((s) => s.maintainers));
  const r = take(sections.flatMap((s) => s.reviewers));
  // The lists of every section that matched, THE REST's too (get_maintainer.pl lists them all).
  const lists = [...new Map(chosen.flatMap((s) => s.lists).map((l) => [l.toLowerCase(), l])).values()];
  return { maintainers: m, reviewers: r, lists };
}

/**
 * A filter that keeps each address once (compared without case) across all the lists it is
 * given, in order; `seen` are addresses to leave out from the start.
 */
export function firstOfEachAddress(seen: Iterable<string> = []): (people: readonly Address[]) => Address[] {
  const taken = new Set([...seen].map((a) => a.toLowerCase()));
  return (people) =>
    people.filter((p) => {
      const key = p.address.toLowerCase();
      if (taken.has(key)) return false;
      taken.add(key);
      return true;
    });
}

/** Whether `address` is a maintainer or a reviewer (M: or R:) of `path`. */
export function roleFor(maintainers: Maintainers, path: string, address: string): 'maintainer' | 'reviewer' | null {
  const key = address.toLowerCase();
  let role: 'maintainer' | 'reviewer' | null = null;
  for (const section of sectionsForPath(maintainers, path)) {
    if (section.maintainers.some((p) => p.address.toLowerCase() === key)) return 'maintainer';
    if (section.reviewers.some((p) => p.address.toLowerCase() === key)) role = 'reviewer';
  }
  return role;
}
