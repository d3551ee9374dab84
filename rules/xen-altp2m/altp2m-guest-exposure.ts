import type { Rule } from '../../src/engine/rule.js';
import type { DiffLine } from '../../src/diff/model.js';
import type { Patch } from '../../src/ingest/patch.js';
import { codeOnly, postImage, preImage, seriesFiles, sideOf } from '../../src/diff/queries.js';
import { scopeOpenedBy } from '../../src/diff/functions.js';
import { isXsm } from './paths.js';
import { WHERE } from './policy.js';
import { subop } from './subops.js';
import { braceDelta, caseLabel } from '../../src/diff/c-lines.js';

/** The altp2m modes Xen defines (XEN_ALTP2M_* in params.h, later XEN_DOMCTL_ALTP2M_* in domctl.h). */
export const ALTP2M_MODES: readonly string[] = ['disabled', 'mixed', 'external', 'limited'];

/** flask: the hook hands the decision to the security policy (`return current_has_perm(…)`). */
const POLICY_CHECK = /^return\b.*\b(?:avc_current_has_perm|current_has_perm|domain_has_perm|avc_has_perm)\s*\(/;
/** A condition about the guest acting on itself. */
const GUEST_ITSELF = /\bd\s*==\s*current->domain\b|\bcurrent->domain\s*==\s*d\b/;
/** A refusal: an error returned. */
const REFUSAL = /\breturn\s+-\s*E[A-Z]+\s*;/;
/** The mode a `case XEN_ALTP2M_<mode>:` (or `XEN_DOMCTL_ALTP2M_<mode>`) label is for. */
const modeCase = (text: string): string | undefined => /^XEN_(?:DOMCTL_)?ALTP2M_(\w+)$/.exec(caseLabel(text) ?? '')?.[1];

/**
 * What the XSM altp2m hook grants the guest itself, read from a stretch of its code:
 *
 *     case XEN_ALTP2M_limited:
 *         if ( HVMOP_altp2m_vcpu_enable_notify == op )
 *             return xsm_default_action(XSM_TARGET, current->domain, d);   (dummy.h)
 *
 *     case XEN_ALTP2M_limited:
 *         if ( HVMOP_altp2m_vcpu_enable_notify == op )
 *             break;                                                        (flask hooks.c)
 *     …
 *     return current_has_perm(d, SECCLASS_HVM, HVM__ALTP2MHVM_OP);          (flask: the policy decides)
 *
 * A grant is "mode/subop" (`?` when the code does not show the mode, `*` for every subop).
 * The guest is let through by XSM_TARGET (dummy.h), by handing the decision to the flask policy
 * (`current_has_perm`) unless it was refused first (`if ( d == current->domain ) return
 * -EPERM;`), and by a `break` out of the mode switch to that hand-over. Code after a mode switch
 * without `default:` is reached by every mode the switch does not list, out of `modes` (the
 * mode names known to the caller).
 */
export function guestGrants(lines: readonly DiffLine[], modes: readonly string[] = ALTP2M_MODES): Map<string, DiffLine> {
  const code = codeOnly(lines);
  const grants = new Map<string, DiffLine>();
  // The modes that reach the current line: `?` for a mode the stretch does not show (it may
  // start inside a mode's case), `all` once it shows the hook's opening line (before any mode
  // switch, every mode reaches the code).
  let reaching: string[] = ['?'];
  // The `case XEN_ALTP2M_<mode>:` line of each current mode: an added label is what grants an
  // unchanged branch to another mode (`case XEN_ALTP2M_mixed:` + `case XEN_ALTP2M_limited:`).
  let modeLines = new Map<string, DiffLine>();
  let lastWasCase = false;
  let pending = null as { subops: string[]; line: DiffLine; guest: boolean } | null;
  let sawStatementSinceCase = false;
  let statement = '';
  // The guest was refused on every path to here (in this mode's case, or before the switch).
  let refused = false;
  let refusedOutside = false;
  // Brace depth, the mode switch being read, and a `switch ( op )` nested in a mode's case.
  let depth = 0;
  let lowest = 0;
  let modeSwitch = null as { body: number; listed: Set<string>; hasDefault: boolean } | null;
  let opSwitch: number | null = null;
  for (const [i, line] of lines.entries()) {
    const text = (code[i] ?? '').trim();
    if (text === '' || text.startsWith('#')) continue;
    if (line.func !== undefined && scopeOpenedBy(line.text) === line.func) {
      reaching = ['all'];
      depth = 0;
      continue;
    }
    const depthBefore = depth;
    depth += braceDelta(text);
    if (opSwitch !== null && depth <= opSwitch && depthBefore > opSwitch) {
      opSwitch = null;
      continue;
    }
    const unseenExit = depth < lowest;
    lowest = Math.min(lowest, depth);
    if (modeSwitch !== null && depth < modeSwitch.body) {
      // Out of the mode switch: what follows is reached by its `break`s and, when it has no
      // `default:`, by the modes it does not list. A stretch that does not show all its labels
      // counts more modes as unlisted, the same in both images: only a label the change adds
      // or removes makes a difference.
      reaching = modeSwitch.hasDefault ? [] : modes.filter((m) => !modeSwitch!.listed.has(m));
      modeLines = new Map();
      modeSwitch = null;
      pending = null;
      refused = refusedOutside;
      lastWasCase = false;
      continue;
    }
    if (unseenExit) {
      // Out of a block the stretch does not show the start of: who reaches here is unknown.
      reaching = [];
      continue;
    }
    if (modeSwitch === null && opSwitch === null && /^switch\s*\(\s*(?:\w+\s*\.\s*|\w+->)?\w*mode\w*\s*\)/.test(text)) {
      modeSwitch = { body: depthBefore + 1, listed: new Set(), hasDefault: false };
      refusedOutside = refused;
      // What the stretch granted before the switch, not knowing the mode, was granted to every
      // mode: that code is the hook's own, outside the switch.
      if (reaching.length === 1 && reaching[0] === '?') {
        for (const [grant, site] of [...grants]) {
          if (!grant.startsWith('?/')) continue;
          grants.delete(grant);
          if (!grants.has(`all/${grant.slice(2)}`)) grants.set(`all/${grant.slice(2)}`, site);
        }
      }
      reaching = [];
      continue;
    }
    if (opSwitch === null && /^switch\s*\(\s*op\s*\)/.test(text)) opSwitch = depthBefore;
    // Inside it, subop labels are conditions like an `if`: `case HVMOP_altp2m_x: return …(XSM_TARGET…)`.
    const subopLabel = opSwitch !== null ? subop(caseLabel(text)) : undefined;
    if (subopLabel || (opSwitch !== null && /^default\s*:/.test(text))) {
      pending = { subops: [...(pending?.subops ?? []), subopLabel ?? '*'], line, guest: false };
      continue;
    }
    const mode = modeCase(text);
    if (mode) {
      if (modeSwitch === null) {
        // A stretch that starts inside the switch.
        modeSwitch = { body: depthBefore, listed: new Set(), hasDefault: false };
        refusedOutside = false;
      }
      modeSwitch.listed.add(mode);
      reaching = lastWasCase ? [...reaching, mode] : [mode];
      modeLines = new Map([...(lastWasCase ? modeLines : []), [mode, line]]);
      lastWasCase = true;
      pending = null;
      sawStatementSinceCase = false;
      refused = false;
      continue;
    }
    lastWasCase = false;
    if (/^default\s*:/.test(text)) {
      if (modeSwitch !== null) modeSwitch.hasDefault = true;
      reaching = modeSwitch !== null ? modes.filter((m) => !modeSwitch!.listed.has(m)) : ['default'];
      pending = null;
      sawStatementSinceCase = false;
      refused = false;
      continue;
    }
    const subops = [...text.matchAll(/HVMOP_altp2m_[a-z0-9_]+/g)].map((m) => m[0]);
    if (/^(?:if|else if)\b|^\|\||^&&/.test(text) || (pending !== null && subops.length > 0 && !/;/.test(text))) {
      const guest = GUEST_ITSELF.test(text) || (pending?.guest ?? false);
      if (subops.length > 0) pending = { subops: [...(pending?.subops ?? []), ...subops], line, guest };
      else if (/^(?:if|else if)\b/.test(text)) pending = { subops: [], line, guest };
      else if (pending !== null) pending = { ...pending, guest };
      // The statement may follow on the same line: `if ( … ) return …;`
      if (!/;/.test(text)) continue;
    }
    // `if ( d == current->domain ) return -EPERM;` refuses the guest on every later path here.
    if (pending !== null && pending.guest && pending.subops.length === 0 && REFUSAL.test(text)) refused = true;
    // The statement so far, over continuation lines: `a = (X == op ||` / `Y == op) ? XSM_TARGET : …;`
    statement = statement === '' ? text : `${statement} ${text}`;
    const ternary = /^(.*?)\?(.*?):(?!:)(.*)$/.exec(statement);
    const target = /\bXSM_TARGET\b/.test(text) || POLICY_CHECK.test(text) || (/^break\s*;/.test(text) && (pending !== null ? pending.subops.length > 0 : !sawStatementSinceCase));
    if (target && !refused) {
      // `(HVMOP_altp2m_x == op) ? XSM_TARGET : XSM_DM_PRIV` grants x alone.
      const chosen = ternary && /\bXSM_TARGET\b/.test(ternary[2] ?? '') && /==/.test(ternary[1] ?? '') ? [...(ternary[1] ?? '').matchAll(/HVMOP_altp2m_[a-z0-9_]+/g)].map((m) => m[0]) : [];
      const targets = chosen.length > 0 ? chosen : pending && pending.subops.length > 0 ? pending.subops : ['*'];
      const at = pending?.line ?? line;
      for (const m of reaching) {
        const site = [at, modeLines.get(m)].find((l) => l?.kind === 'add') ?? at;
        for (const s of targets) if (!grants.has(`${m}/${s}`)) grants.set(`${m}/${s}`, site);
      }
    }
    if (/;/.test(text)) {
      pending = null;
      sawStatementSinceCase = true;
    }
    if (/[;{}]\s*$/.test(text)) statement = '';
  }
  return grants;
}

const HOOK = /^(?:xsm_hvm_altp2mhvm_op|flask_hvm_altp2mhvm_op)$/;

export const altp2mGuestExposure: Rule = {
  id: 'altp2m-guest-exposure',
  meta: {
    severity: 'warning',
    messages: {
      moreSubops:
        `This XSM change lets the guest itself use more altp2m subops ({{grants}}). In 'limited' mode only whitelisted subops may reach the guest, ` +
        `and 'mixed' mode has not been evaluated for safety: evaluate each newly exposed subop for in-guest use and say so in the commit message, or keep it at XSM_DM_PRIV (see ${WHERE}).`,
    },
  },
  summary: 'XSM (dummy.h or flask) changed so that the guest itself may use more altp2m subops',
  docs: `
Why: XSM decides, per altp2m mode and subop, who may use the HVMOP: xsm_hvm_altp2mhvm_op() in
xen/include/xsm/dummy.h and flask_hvm_altp2mhvm_op() in xen/xsm/flask/hooks.c. In 'limited'
mode only whitelisted subops (today HVMOP_altp2m_vcpu_enable_notify) reach the guest itself
(XSM_TARGET); 'mixed' is unevaluated (P2). Giving the guest more is a security decision that
needs an explicit evaluation.

Fires (warning): what the hook lets the guest itself do covers a mode/subop pair after the
series that it did not cover before it, comparing the hook's code before and after across the
whole series. The guest is let through by XSM_TARGET in dummy.h (also as the chosen side of
\`(HVMOP_altp2m_x == op) ? XSM_TARGET : XSM_DM_PRIV\`, which lets through x alone), and in flask
by reaching the policy check (\`return current_has_perm(…)\`) without being refused first
(\`if ( d == current->domain ) return -EPERM;\`): through a \`break\` of the mode switch, or
because the switch has no \`default:\` and no longer lists the mode (a mode label removed from
flask's switch lets that mode fall through to the policy).

Silent: XSM changes outside the altp2m hook; refactors that keep every decision (cf_check,
alternative calls, the hook moving between files); changes that only restrict: a subop
blacklisted in mixed mode, XSM_TARGET turned into XSM_DM_PRIV, a hook that handed every mode
to the policy (or to XSM_TARGET) now refusing the guest in some modes (the per-mode switch of
2017); a hook the series introduces where there was none (before it XSM did not check the HVMOP
at all, so a new hook can only take away).
`,
  check(series, context) {
    // Grants before and after, per hook, over the whole series: a hook that moves (removed in
    // one hunk, added in another) grants the same and stays silent.
    const before = new Map<string, Map<string, DiffLine>>();
    const after = new Map<string, Map<string, Site>>();
    // Only the hook's lines count: a hunk with none of them grants nothing either way.
    const hunks = seriesFiles(series, isXsm).flatMap(({ patch, file }) =>
      file.hunks.filter((hunk) => hunk.lines.some((line) => line.func !== undefined && HOOK.test(line.func))).map((hunk) => ({ patch, file, hunk })),
    );
    // The modes either image names (a new mode is one more that a switch may leave out), and
    // the hooks that existed before the series (a line of theirs in a pre-image).
    const modes = new Set(ALTP2M_MODES);
    const existed = new Set<string>();
    for (const { hunk } of hunks) {
      for (const line of hunk.lines) {
        if (!line.func || !HOOK.test(line.func)) continue;
        if (line.kind !== 'add') existed.add(line.func);
        const mode = modeCase(line.text.trim());
        if (mode) modes.add(mode);
      }
    }
    for (const { patch, file, hunk } of hunks) {
      // Where a grant that unchanged code makes anew is reported (a mode left out of the
      // switch now reaches the policy check below it): the hook's first change in the hunk.
      const hookLines = hunk.lines.filter((line) => line.func !== undefined && HOOK.test(line.func));
      const change = hookLines.find((line) => line.kind === 'add') ?? hookLines.find((line) => line.kind === 'del');
      for (const [image, sink] of [
        [preImage(hunk), 'before'],
        [postImage(hunk), 'after'],
      ] as const) {
        const byHook = new Map<string, DiffLine[]>();
        for (const line of image) {
          if (line.func && HOOK.test(line.func)) byHook.set(line.func, [...(byHook.get(line.func) ?? []), line]);
        }
        for (const [key, lines] of byHook) {
          for (const [grant, line] of guestGrants(lines, [...modes])) {
            if (sink === 'before') {
              const map = before.get(key) ?? new Map<string, DiffLine>();
              map.set(grant, line);
              before.set(key, map);
            } else {
              const map = after.get(key) ?? new Map<string, Site>();
              const site = line.kind === 'add' || change === undefined ? line : change;
              if (!map.has(grant) || line.kind === 'add') map.set(grant, { line: site, patch, path: file.path });
              after.set(key, map);
            }
          }
        }
      }
    }
    for (const [key, grants] of after) {
      // A hook the series introduces: before it XSM did not check the HVMOP at all, so the
      // guest could already do whatever the new hook lets it do.
      if (!existed.has(key)) continue;
      const had = before.get(key) ?? new Map<string, DiffLine>();
      // A grant the hook already made for the same mode or for every mode, for the same subop
      // or for every subop, covers the new one.
      const covered = (grant: string): boolean => {
        const [mode, subop] = grant.split('/');
        return had.has(grant) || had.has(`${mode}/*`) || had.has(`all/${subop}`) || had.has('all/*');
      };
      const added = [...grants].filter(([grant, site]) => !covered(grant) && site.line.kind !== 'context');
      if (added.length === 0) continue;
      const first = added[0]![1];
      const what = added.map(([g]) => describeGrant(g)).join('; ');
      context.report({
        messageId: 'moreSubops',
        data: { grants: what },
        path: first.path,
        line: first.line,
        side: sideOf(first.line),
        evidence: added.map(([, site]) => site.line.text).filter((t, i, all) => all.indexOf(t) === i),
        anchor: first.patch.message.id,
        subject: key,
      });
    }
  },
};

interface Site {
  readonly line: DiffLine;
  readonly patch: Patch;
  readonly path: string;
}

function describeGrant(grant: string): string {
  const [mode, subop] = grant.split('/');
  const where = mode === '?' ? 'in the mode this branch handles' : mode === 'all' ? 'in every altp2m mode' : mode === 'default' ? 'in any other mode' : `in '${mode}' mode`;
  return `${subop === '*' ? 'every subop' : subop} ${where}`;
}
