/**
 * Pull requests for the GitHub tests, built in the shape GitHub serves them: the patch media
 * type is `git format-patch` output of the PR's commits, the diff media type is the combined
 * `git diff`, and the files route lists each file with its `patch` (hunks only).
 */
import type { PullState, StoredFile } from '../../support/github-server.js';
import type { Rule, RulePack } from '../../../src/engine/rule.js';
import { xenAltp2m } from '../../../rules/xen-altp2m/index.js';

export interface FileChange {
  readonly path: string;
  /** Hunks as `[oldStart, newStart, lines]`, lines with their ' ', '+', '-' markers. */
  readonly hunks: readonly (readonly [number, number, readonly string[]])[];
  readonly status?: 'added' | 'removed' | 'modified';
}

export interface Commit {
  readonly sha: string;
  readonly author: string;
  readonly subject: string;
  readonly body: string;
  readonly files: readonly FileChange[];
}

function hunkText(hunks: FileChange['hunks']): string {
  return hunks
    .map(([oldStart, newStart, lines]) => {
      const oldCount = lines.filter((l) => !l.startsWith('+')).length;
      const newCount = lines.filter((l) => !l.startsWith('-')).length;
      return `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@\n${lines.join('\n')}\n`;
    })
    .join('');
}

export function fileDiff(change: FileChange, index = 'a1b2c3d4e5..f6a7b8c9d0'): string {
  const p = change.path;
  if (change.status === 'added') return `diff --git a/${p} b/${p}\nnew file mode 100644\nindex 0000000000..${index.split('..')[1]}\n--- /dev/null\n+++ b/${p}\n${hunkText(change.hunks)}`;
  return `diff --git a/${p} b/${p}\nindex ${index} 100644\n--- a/${p}\n+++ b/${p}\n${hunkText(change.hunks)}`;
}

/** GitHub's `application/vnd.github.patch` for a PR: its commits, `git format-patch` style. */
export function formatPatch(commits: readonly Commit[]): string {
  return commits
    .map((c, i) => {
      const n = commits.length > 1 ? ` ${i + 1}/${commits.length}` : '';
      const stat = c.files
        .map((f) => {
          const marks = f.hunks.flatMap(([, , l]) => l.filter((x) => !x.startsWith(' ')).map((x) => x[0]!));
          return ` ${f.path} | ${marks.length} ${marks.filter((m) => m === '+').join('')}${marks.filter((m) => m === '-').join('')}`;
        })
        .join('\n');
      return (
        `From ${c.sha} Mon Sep 17 00:00:00 2001\n` +
        `From: ${c.author}\n` +
        `Date: Tue, 4 Nov 2025 10:${String(10 + i).padStart(2, '0')}:00 +0100\n` +
        `Subject: [PATCH${n}] ${c.subject}\n\n` +
        `${c.body}\n---\n${stat}\n ${c.files.length} file(s) changed\n\n` +
        c.files.map((f) => fileDiff(f)).join('') +
        '-- \n2.47.1\n\n'
      );
    })
    .join('');
}

/** The PR state the fake serves, with one combined diff (the files do not overlap here). */
export function pullState(headSha: string, title: string, commits: readonly Commit[], extra: Partial<PullState> = {}): PullState {
  const all = commits.flatMap((c) => c.files);
  const files: StoredFile[] = all.map((f) => ({
    filename: f.path,
    status: f.status ?? 'modified',
    patch: hunkText(f.hunks).replace(/\n$/, ''),
    additions: f.hunks.reduce((k, [, , l]) => k + l.filter((x) => x.startsWith('+')).length, 0),
    deletions: f.hunks.reduce((k, [, , l]) => k + l.filter((x) => x.startsWith('-')).length, 0),
  }));
  return { headSha, title, patch: formatPatch(commits), diff: all.map((f) => fileDiff(f)).join(''), files, ...extra };
}

export const AUTHOR = 'Tamas K Lengyel <tamas@tklengyel.com>';

/** The policy violation P1 of docs/policy.md (rule altp2m-domctl): altp2m through a new DOMCTL. */
export const DOMCTL_CHANGE: FileChange = {
  path: 'xen/include/public/domctl.h',
  hunks: [
    [
      1180,
      1180,
      [
        '                                  */',
        ' };',
        ' ',
        '+/* XEN_DOMCTL_altp2m_get_views */',
        '+struct xen_domctl_altp2m_views {',
        '+    uint16_t nr_views;   /* OUT: number of active altp2m views */',
        '+    uint16_t pad[3];',
        '+    XEN_GUEST_HANDLE_64(uint16) views; /* OUT: view ids */',
        '+};',
        '+',
        ' struct xen_domctl {',
        '     uint32_t cmd;',
        ' #define XEN_DOMCTL_createdomain                   1',
      ],
    ],
    [
      1265,
      1272,
      [
        ' #define XEN_DOMCTL_get_paging_mempool_size       85',
        ' #define XEN_DOMCTL_set_paging_mempool_size       86',
        ' #define XEN_DOMCTL_dt_overlay                    87',
        '+#define XEN_DOMCTL_altp2m_get_views              89',
        ' #define XEN_DOMCTL_gdbsx_guestmemio            1000',
        ' #define XEN_DOMCTL_gdbsx_pausevcpu             1001',
        ' #define XEN_DOMCTL_gdbsx_unpausevcpu           1002',
      ],
    ],
  ],
};

export const DOMCTL_COMMIT: Commit = {
  sha: 'c0ffee0000000000000000000000000000000001',
  author: AUTHOR,
  subject: 'xen/domctl: add XEN_DOMCTL_altp2m_get_views',
  body: 'Let the toolstack list the altp2m views of a domain with one domctl.\n\nSigned-off-by: Tamas K Lengyel <tamas@tklengyel.com>',
  files: [DOMCTL_CHANGE],
};

/** A harmless change to a watched file: no rule fires. */
export const CLEAN_COMMIT: Commit = {
  sha: 'c1ea000000000000000000000000000000000001',
  author: 'Jan Beulich <jbeulich@suse.com>',
  subject: 'x86/hvm: fix a typo in a comment',
  body: 'Signed-off-by: Jan Beulich <jbeulich@suse.com>',
  files: [
    {
      path: 'xen/arch/x86/hvm/hvm.c',
      hunks: [[120, 120, ['     /*', '-     * Teh vcpu is paused here.', '+     * The vcpu is paused here.', '      */']]],
    },
  ],
};

/**
 * A test-only pack for transport tests: `test-marker` flags every added line holding
 * `FLAG`, `test-removed` every deleted line holding `WARNING` (old side), `test-range` a
 * `RANGE_BEGIN`..`RANGE_END` block as one multi-line finding.
 */
export const TEST_PACK: RulePack = {
  ...xenAltp2m,
  name: 'test-pack',
  rules: [
    rule('test-marker', 'error', (text) => text.includes('FLAG'), 'add'),
    rule('test-removed', 'warning', (text) => text.includes('WARNING'), 'del'),
    {
      id: 'test-range',
      meta: { severity: 'warning', messages: { range: 'a range' } },
      summary: 'test: a block as one range finding',
      docs: 'Transport tests only.',
      check(series, ctx) {
        for (const patch of series.patches)
          for (const file of patch.diff.files)
            for (const hunk of file.hunks) {
              const begin = hunk.lines.find((l) => l.kind === 'add' && l.text.includes('RANGE_BEGIN'));
              const end = hunk.lines.find((l) => l.kind === 'add' && l.text.includes('RANGE_END'));
              if (begin?.newLine && end?.newLine) ctx.report({ messageId: 'range', path: file.path, line: begin.newLine, endLine: end.newLine, side: 'new', evidence: [begin.text, end.text], anchor: patch.message.id });
            }
      },
    },
  ],
};

function rule(id: string, severity: 'error' | 'warning', test: (text: string) => boolean, kind: 'add' | 'del'): Rule {
  return {
    id,
    meta: { severity, messages: { fired: `${id} fired` } },
    summary: `test: ${id}`,
    docs: 'Transport tests only.',
    check(series, ctx) {
      for (const patch of series.patches)
        for (const file of patch.diff.files)
          for (const hunk of file.hunks)
            for (const line of hunk.lines) {
              if (line.kind !== kind || !test(line.text)) continue;
              const n = kind === 'add' ? line.newLine! : line.oldLine!;
              ctx.report({ messageId: 'fired', path: file.path, line: n, side: kind === 'add' ? 'new' : 'old', evidence: [line.text], anchor: patch.message.id });
            }
    },
  };
}

/** A watched file with `count` added FLAG lines (distinct text, so distinct fingerprints). */
export function flaggedFile(path: string, count: number, start = 10): FileChange {
  const lines = [' /* context */', ...Array.from({ length: count }, (_, i) => `+int flag_${i} = FLAG; /* ${i} */`), ' /* end */'];
  return { path, hunks: [[start, start, lines]] };
}

export function commit(sha: string, subject: string, files: readonly FileChange[]): Commit {
  return { sha, author: AUTHOR, subject, body: 'Signed-off-by: Tamas K Lengyel <tamas@tklengyel.com>', files };
}
