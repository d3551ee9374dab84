import type { DiffLine } from '../../src/diff/model.js';
import type { Patch } from '../../src/ingest/patch.js';
import type { Series } from '../../src/ingest/series.js';
import { codeOnly, hunkFacts, postImage, seriesFiles } from '../../src/diff/queries.js';
import { isHvmOpHeader, isHypervisorArch, isToolSide } from './paths.js';
import { caseLabel, numericDefine } from '../../src/diff/c-lines.js';

/**
 * The subop bookkeeping that `altp2m-new-subop` and `altp2m-subop-incomplete` share: which
 * `HVMOP_altp2m_*` subops the series defines, and where it wires them up.
 *
 *     #define HVMOP_altp2m_get_visibility 13          (xen/include/public/hvm/hvm_op.h)
 *     case HVMOP_altp2m_get_visibility:  … break;     (the whitelist in do_altp2m_op())
 *     case HVMOP_altp2m_get_visibility: { … }         (its handler)
 */
export interface SubopSite {
  readonly patch: Patch;
  readonly path: string;
  readonly line: DiffLine;
}

export interface SubopLedger {
  /** Subops whose `#define` the series adds (and does not also remove: a move is not new). */
  readonly defined: Map<string, SubopSite>;
  /** Subops the series removes a `#define` of. */
  readonly undefinedBySeries: Set<string>;
  /** Subops with a whitelist entry (`case X:` falling through to `break;`) added or in context. */
  readonly whitelisted: Map<string, SubopSite>;
  /** True when an added line bounds the subop by a range check (before the 2016 whitelist). */
  readonly rangeChecked: boolean;
  /** Subops with a handler (`case X:` followed by statements) added or in context. */
  readonly handled: Map<string, SubopSite>;
  /** Handler cases the series adds (not in context), and whitelist cases it adds. */
  readonly addedHandlers: Map<string, SubopSite>;
  readonly addedWhitelist: Map<string, SubopSite>;
  /** Handler / whitelist case labels the series removes (moves are not additions). */
  readonly removedCases: Set<string>;
  /** Subops named by added tool-side code (a libxc wrapper). */
  readonly toolUsers: Set<string>;
}

const SUBOP = /^HVMOP_altp2m_[a-z0-9_]+$/;
/** `name` when it names a subop (`HVMOP_altp2m_get_visibility`). */
export const subop = (name: string | undefined): string | undefined => (name !== undefined && SUBOP.test(name) ? name : undefined);
const RANGE_CHECK = /\bcmd\s*[<>]=?\s*HVMOP_altp2m_[a-z0-9_]+|HVMOP_altp2m_[a-z0-9_]+\s*[<>]=?\s*[\w.>-]*cmd\b/;

/**
 * The ledger of a series, read once: both rules that use it ask of the same series in one
 * review. Nothing changes a series or a ledger once built.
 */
export function subopLedger(series: Series): SubopLedger {
  const known = ledgers.get(series);
  if (known) return known;
  const ledger = readLedger(series);
  ledgers.set(series, ledger);
  return ledger;
}

const ledgers = new WeakMap<Series, SubopLedger>();

function readLedger(series: Series): SubopLedger {
  const ledger: SubopLedger = {
    defined: new Map(),
    undefinedBySeries: new Set(),
    whitelisted: new Map(),
    rangeChecked: false,
    handled: new Map(),
    addedHandlers: new Map(),
    addedWhitelist: new Map(),
    removedCases: new Set(),
    toolUsers: new Set(),
  };
  let rangeChecked = false;
  const removedDefines = new Set<string>();
  for (const { patch, file } of seriesFiles(series)) {
    for (const hunk of file.hunks) {
      // Everything the ledger records (define, case label, range check, tool use) spells
      // HVMOP_altp2m_ on one of the hunk's lines.
      if (!hunkFacts(hunk).text.includes('HVMOP_altp2m_')) continue;
      if (isHvmOpHeader(file.path)) {
        for (const line of hunk.lines) {
          const name = subop(numericDefine(line.text));
          if (!name) continue;
          if (line.kind === 'add' && !ledger.defined.has(name)) ledger.defined.set(name, { patch, path: file.path, line });
          if (line.kind === 'del') removedDefines.add(name);
        }
      }
      if (isHypervisorArch(file.path)) {
        const post = postImage(hunk);
        const code = codeOnly(post);
        post.forEach((line, i) => {
          if (line.kind === 'add' && RANGE_CHECK.test(code[i] ?? '')) rangeChecked = true;
          const name = subop(caseLabel(code[i] ?? ''));
          if (!name) return;
          const site = { patch, path: file.path, line };
          const kind = caseKind(code, i);
          if (kind === 'whitelist') {
            if (!ledger.whitelisted.has(name)) ledger.whitelisted.set(name, site);
            if (line.kind === 'add' && !ledger.addedWhitelist.has(name)) ledger.addedWhitelist.set(name, site);
          } else if (kind === 'handler') {
            if (!ledger.handled.has(name)) ledger.handled.set(name, site);
            if (line.kind === 'add' && !ledger.addedHandlers.has(name)) ledger.addedHandlers.set(name, site);
          }
        });
        for (const line of hunk.lines) {
          const name = line.kind === 'del' ? subop(caseLabel(line.text)) : undefined;
          if (name) ledger.removedCases.add(name);
        }
      }
      if (isToolSide(file.path)) {
        for (const line of hunk.lines) {
          if (line.kind !== 'add') continue;
          for (const m of line.text.matchAll(/HVMOP_altp2m_[a-z0-9_]+/g)) ledger.toolUsers.add(m[0]);
        }
      }
    }
  }
  for (const name of removedDefines) {
    if (ledger.defined.has(name)) ledger.defined.delete(name);
    else ledger.undefinedBySeries.add(name);
  }
  return { ...ledger, rangeChecked };
}

/**
 * What a `case` label at `index` is: a whitelist entry when only other case labels stand
 * between it and a `break;`, a handler when a statement follows; unknown when the hunk ends.
 */
function caseKind(code: readonly string[], index: number): 'whitelist' | 'handler' | 'unknown' {
  let labelsAfter = 0;
  for (let i = index + 1; i < code.length; i++) {
    const text = (code[i] ?? '').trim();
    if (text === '') continue;
    if (/^case\s+[\w]+\s*:$/.test(text)) {
      labelsAfter++;
      continue;
    }
    if (/^break\s*;/.test(text)) return 'whitelist';
    return 'handler';
  }
  // The hunk ends inside a run of bare case labels (its `break;` is further down): a run of
  // labels with no statement is the whitelist's shape, handlers have one label each.
  const labelBefore = /^case\s+[\w]+\s*:$/.test((code[index - 1] ?? '').trim());
  return labelsAfter > 0 || labelBefore ? 'whitelist' : 'unknown';
}
