// Inline patches for rule tests: `git format-patch` text built from a subject and file diffs,
// with the hunk counts computed (so a case states only its lines).

export interface HunkSpec {
  /** First line of the hunk, in both images (the counts come from the lines). */
  readonly at: number;
  /** The function name git shows after the hunk header (`@@ … @@ static int do_altp2m_op(`). */
  readonly func?: string;
  /** Lines with their marker: ' ' context, '+' added, '-' removed. */
  readonly lines: readonly string[];
}

/** One file's diff, `diff --git` header included. */
export function fileDiff(path: string, ...hunks: HunkSpec[]): string {
  const out = [`diff --git a/${path} b/${path}`, 'index 1111111..2222222 100644', `--- a/${path}`, `+++ b/${path}`];
  let shift = 0;
  for (const hunk of hunks) {
    const old = hunk.lines.filter((l) => !l.startsWith('+')).length;
    const now = hunk.lines.filter((l) => !l.startsWith('-')).length;
    out.push(`@@ -${hunk.at},${old} +${hunk.at + shift},${now} @@${hunk.func ? ` ${hunk.func}` : ''}`, ...hunk.lines);
    shift += now - old;
  }
  return `${out.join('\n')}\n`;
}

let counter = 0;

/** A patch mail as `git format-patch` writes it: headers, commit message, `---`, the diffs. */
export function formatPatch(subject: string, ...diffs: string[]): string {
  counter += 1;
  return [
    'From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001',
    'From: Ann Dev <ann.dev@example.org>',
    'Date: Tue, 3 Mar 2026 10:00:00 +0000',
    `Subject: [PATCH] ${subject}`,
    `Message-ID: <20260303100000.${counter}-1-ann.dev@example.org>`,
    '',
    `${subject}.`,
    '',
    'Signed-off-by: Ann Dev <ann.dev@example.org>',
    '---',
    ...diffs.map((d) => d.replace(/\n$/, '')),
    '-- ',
    '2.43.0',
    '',
  ].join('\n');
}
