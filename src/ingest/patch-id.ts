import { createHash, type Hash } from 'node:crypto';

/**
 * A patch's identity as `git patch-id --stable` computes it (git-patch-id(1)): the SHA-1 of
 * the diff with white space and line numbers left out, taken per file and summed, so the same
 * change has the same id whatever its commit message, its base (hunk offsets), its `index`
 * line or the order of its files. The mail bot uses it to recognise the same patch posted
 * again under a new Message-ID (`[PATCH RESEND]`, a v2 that left this patch alone).
 *
 * Input is the diff part of one patch, e.g.
 *
 *     diff --git a/xen/include/public/domctl.h b/xen/include/public/domctl.h
 *     index 2a1e9c4..7d3f0b8 100644
 *     --- a/xen/include/public/domctl.h
 *     +++ b/xen/include/public/domctl.h
 *     @@ -1306,6 +1315,7 @@ struct xen_domctl {
 *      #define XEN_DOMCTL_dt_overlay                    87
 *     +#define XEN_DOMCTL_altp2m_get_views              89
 *
 * What git does, and so this function, line by line:
 * - lines before the first `diff ` line (the `---` and diffstat) are skipped; `\ No newline
 *   at end of file` lines are skipped everywhere;
 * - a line that starts with a full object name (optionally after `commit ` or `From `) ends
 *   the patch, as it starts the next one in `git log -p` / `git format-patch` output;
 * - in a file's header, the `index` line is not hashed (it only remembers the two blob names,
 *   which are hashed instead of the content for a binary file); the `diff --git`, `---`,
 *   `+++` and other extended header lines (mode, rename, similarity) are; a header line that
 *   does not start with a letter ends the patch;
 * - hunk headers are read for their line counts and not hashed; hunk lines are hashed without
 *   their white space (space, tab, CR, LF); once a hunk is complete, a line other than `@@ -`
 *   or `diff ` (the `-- ` signature) ends the patch;
 * - each file's hash is added to the sum as a 20-byte little-endian number, carries kept.
 *
 * Returns the 40-hex id, or null when git would print none (no `diff ` line, nothing hashed).
 */
export function patchId(diffText: string): string | null {
  const sum = new Uint8Array(20);
  let hash: Hash = createHash('sha1');
  let hashed = 0;
  let before = -1;
  let after = -1;
  let binary = false;
  let preBlob = '';
  let postBlob = '';
  const flush = (): void => {
    const digest = hash.digest();
    hash = createHash('sha1');
    let carry = 0;
    for (let i = 0; i < 20; i++) {
      carry += sum[i]! + digest[i]!;
      sum[i] = carry & 0xff;
      carry >>= 8;
    }
  };

  for (const line of linesOf(diffText)) {
    if (line.startsWith('\\ ') && Buffer.byteLength(line) > 12) continue;
    const rest = line.startsWith('commit ') ? line.slice(7) : line.startsWith('From ') ? line.slice(5) : line;
    if (OBJECT_NAME.test(rest)) break;
    if (hashed === 0 && !line.startsWith('diff ')) continue;

    if (before === -1) {
      if (line.startsWith('GIT binary patch') || line.startsWith('Binary files')) {
        binary = true;
        before = 0;
        hash.update(preBlob);
        hash.update(postBlob);
        flush();
        continue;
      }
      if (line.startsWith('index ')) {
        const blobs = blobNames(line);
        if (blobs) [preBlob, postBlob] = blobs;
        continue;
      }
      if (line.startsWith('--- ')) before = after = 1;
      else if (!/^[A-Za-z]/.test(line)) break;
    }

    if (binary) {
      if (line.startsWith('diff ')) {
        binary = false;
        before = -1;
      }
      continue;
    }

    if (before === 0 && after === 0) {
      if (line.startsWith('@@ -')) {
        [before, after] = hunkCounts(line, before, after);
        continue;
      }
      if (!line.startsWith('diff ')) break;
      // The next file: its hash is a new term of the sum.
      flush();
      before = after = -1;
    }

    const marker = line[0];
    if (marker === '-' || marker === ' ') before--;
    if (marker === '+' || marker === ' ') after--;
    const compact = line.replace(GIT_SPACE, '');
    hashed += compact.length;
    hash.update(compact);
  }
  if (hashed === 0) return null;
  flush();
  return Buffer.from(sum).toString('hex');
}

/** git's own `isspace` (locale-independent): space, tab, LF and CR, not VT or FF. */
const GIT_SPACE = /[ \t\n\r]+/g;

/** A SHA-1 object name at the start of a line, as git's `get_oid_hex` reads one. */
const OBJECT_NAME = /^[0-9a-fA-F]{40}/;

/** The lines of a text, each with its `\n` (the last one without, when the text has none). */
function* linesOf(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl + 1;
    yield text.slice(start, end);
    start = end;
  }
}

/**
 * The two blob names of `index 2a1e9c4..7d3f0b8 100644`. Like git, the second name ends at
 * the space before the mode, or else one character before the end of the line (its `\n`).
 */
function blobNames(line: string): [string, string] | null {
  const dots = line.indexOf('..');
  if (dots < 0) return null;
  const space = line.indexOf(' ', dots);
  const end = space >= 0 ? space : line.length - 1;
  return [line.slice('index '.length, dots), line.slice(dots + 2, Math.max(dots + 2, end))];
}

/**
 * The old and new line counts of `@@ -a,b +c,d @@` (a count left out is 1). Like git, a
 * header that does not read to the end leaves what it did not reach unchanged.
 */
function hunkCounts(line: string, before: number, after: number): [number, number] {
  const old = /^@@ -(\d*)(,(\d*))?/.exec(line)!;
  let oldDigits = old[1]!;
  if (old[2] !== undefined) {
    before = leadingInt(old[3]!);
    oldDigits = old[3]!;
  } else before = 1;
  if (oldDigits.length === 0 || line.slice(old[0].length, old[0].length + 2) !== ' +') return [before, after];
  const rest = line.slice(old[0].length + 2);
  const neu = /^(\d*)(,(\d*))?/.exec(rest)!;
  if (neu[2] !== undefined) after = leadingInt(neu[3]!);
  else after = 1;
  return [before, after];
}

/** C's `atoi` on digits (empty: 0). */
function leadingInt(digits: string): number {
  return digits.length === 0 ? 0 : Number(digits);
}
