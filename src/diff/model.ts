/**
 * The diff model: what rules see of a patch. Built once per patch by `parseDiff()`; rules
 * never look at diff text themselves.
 *
 * Raw shape it comes from (git format-patch):
 *
 *     diff --git a/xen/arch/x86/hvm/hvm.c b/xen/arch/x86/hvm/hvm.c
 *     index 1c8a3b2..4f0e9d1 100644
 *     --- a/xen/arch/x86/hvm/hvm.c
 *     +++ b/xen/arch/x86/hvm/hvm.c
 *     @@ -4512,6 +4512,7 @@ static int do_altp2m_op(
 *          case HVMOP_altp2m_set_visibility:
 *     +    case HVMOP_altp2m_get_visibility:
 *              break;
 */

export type LineKind = 'add' | 'del' | 'context';

export interface DiffLine {
  readonly kind: LineKind;
  /** The line without its leading `+`/`-`/` ` marker and without a trailing CR. */
  readonly text: string;
  /** Line number in the pre-image (deleted and context lines). */
  readonly oldLine?: number;
  /** Line number in the post-image (added and context lines). */
  readonly newLine?: number;
  /** The C function this line sits in, as far as the hunk shows (see `functions.ts`). */
  readonly func?: string;
}

export interface Hunk {
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  /** The text after the second `@@`: git's function context for the hunk's first line. */
  readonly context: string;
  readonly lines: readonly DiffLine[];
}

export type FileStatus = 'added' | 'deleted' | 'modified' | 'renamed' | 'copied';

export interface FileDiff {
  /** The path as git's numstat names it: the new path, or the old one for a deletion. */
  readonly path: string;
  readonly oldPath: string | null;
  readonly newPath: string | null;
  readonly status: FileStatus;
  readonly binary: boolean;
  readonly additions: number;
  readonly deletions: number;
  readonly oldMode?: string;
  readonly newMode?: string;
  readonly similarity?: number;
  readonly hunks: readonly Hunk[];
}

export interface DiffModel {
  readonly files: readonly FileDiff[];
  /**
   * What did not add up (hunk line counts that lie, a diff cut off mid-hunk), one sentence
   * each naming the file; absent when the diff is sound. The files are still modelled from
   * the lines that were there.
   */
  readonly problems?: readonly string[];
}
