import type { Rule } from '../../src/engine/rule.js';
import type { RuleFinding } from '../../src/engine/finding.js';
import type { DiffLine } from '../../src/diff/model.js';
import type { Patch } from '../../src/ingest/patch.js';
import { codeOnly, lineNumber, postImage, preImage, seriesFiles } from '../../src/diff/queries.js';
import { isXsm } from './paths.js';
import { WHERE } from './policy.js';

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
 *
 * A grant is "mode/subop" (`?` when the hunk does not show the mode, `*` for every subop).
 */
export function guestGrants(lines: readonly DiffLine[]): Map<string, DiffLine> {
  const code = codeOnly(lines);
  const grants = new Map<string, DiffLine>();
  let modes: string[] = ['?'];
  // The `case XEN_ALTP2M_<mode>:` line of each current mode: an added label is what grants an
  // unchanged branch to another mode (`case XEN_ALTP2M_mixed:` + `case XEN_ALTP2M_limited:`).
  let modeLines = new Map<string, DiffLine>();
  let lastWasCase = false;
  let pending = null as { subops: string[]; line: DiffLine } | null;
  let sawStatementSinceCase = false;
  // Brace depth, and the depth of a `switch ( op )` nested in a mode's case while inside it.
  let depth = 0;
  let opSwitch: number | null = null;
  for (const [i, line] of lines.entries()) {
    const text = (code[i] ?? '').trim();
    if (text === '') continue;
    const depthBefore = depth;
    depth += (text.match(/\{/g)?.length ?? 0) - (text.match(/\}/g)?.length ?? 0);
    if (opSwitch !== null && depth <= opSwitch && depthBefore > opSwitch) {
      opSwitch = null;
      continue;
    }
    if (opSwitch === null && /^switch\s*\(\s*op\s*\)/.test(text)) opSwitch = depthBefore;
    // Inside it, subop labels are conditions like an `if`: `case HVMOP_altp2m_x: return …(XSM_TARGET…)`.
    const subopLabel = opSwitch !== null ? /^case\s+(HVMOP_altp2m_[a-z0-9_]+)\s*:/.exec(text)?.[1] : undefined;
    if (subopLabel || (opSwitch !== null && /^default\s*:/.test(text))) {
      pending = { subops: [...(pending?.subops ?? []), subopLabel ?? '*'], line };
      continue;
    }
    const mode = /^case\s+XEN_(?:DOMCTL_)?ALTP2M_(\w+)\s*:/.exec(text)?.[1];
    if (mode) {
      modes = lastWasCase ? [...modes, mode] : [mode];
      modeLines = new Map([...(lastWasCase ? modeLines : []), [mode, line]]);
      lastWasCase = true;
      pending = null;
      sawStatementSinceCase = false;
      continue;
    }
    lastWasCase = false;
    if (/^default\s*:/.test(text)) {
      modes = ['default'];
      pending = null;
      sawStatementSinceCase = false;
      continue;
    }
    const subops = [...text.matchAll(/HVMOP_altp2m_[a-z0-9_]+/g)].map((m) => m[0]);
    if (/^(?:if|else if)\b|^\|\||^&&/.test(text) || (pending !== null && subops.length > 0 && !/;/.test(text))) {
      if (subops.length > 0) pending = { subops: [...(pending?.subops ?? []), ...subops], line };
      else if (/^(?:if|else if)\b/.test(text)) pending = { subops: [], line };
      // The statement may follow on the same line: `if ( … ) return …;`
      if (!/;/.test(text)) continue;
    }
    const grantsTarget = /\bXSM_TARGET\b/.test(text) || (/^break\s*;/.test(text) && (pending !== null ? pending.subops.length > 0 : !sawStatementSinceCase));
    if (grantsTarget) {
      const targets = pending && pending.subops.length > 0 ? pending.subops : ['*'];
      const at = pending?.line ?? line;
      for (const m of modes) {
        const site = [at, modeLines.get(m)].find((l) => l?.kind === 'add') ?? at;
        for (const s of targets) if (!grants.has(`${m}/${s}`)) grants.set(`${m}/${s}`, site);
      }
    }
    if (/;/.test(text)) {
      pending = null;
      sawStatementSinceCase = true;
    }
  }
  return grants;
}

const HOOK = /^(?:xsm_hvm_altp2mhvm_op|flask_hvm_altp2mhvm_op)$/;

export const altp2mGuestExposure: Rule = {
  id: 'altp2m-guest-exposure',
  defaultSeverity: 'warning',
  summary: 'XSM (dummy.h or flask) changed so that the guest itself may use more altp2m subops',
  docs: `
Why: XSM decides, per altp2m mode and subop, who may use the HVMOP: xsm_hvm_altp2mhvm_op() in
xen/include/xsm/dummy.h and flask_hvm_altp2mhvm_op() in xen/xsm/flask/hooks.c. In 'limited'
mode only whitelisted subops (today HVMOP_altp2m_vcpu_enable_notify) reach the guest itself
(XSM_TARGET); 'mixed' is unevaluated (P2). Giving the guest more is a security decision that
needs an explicit evaluation.

Fires (warning): the hook's grants to the guest (XSM_TARGET in dummy.h; a \`break\` that lets
the guest through in flask) cover a mode/subop pair after the series that they did not cover
before it, comparing the hook's code before and after across the whole series.

Silent: XSM changes outside the altp2m hook; refactors that keep every decision (cf_check,
alternative calls, the hook moving between files); changes that only restrict (a subop
blacklisted in mixed mode, XSM_TARGET turned into XSM_DM_PRIV).
`,
  check(series, context) {
    // Grants before and after, per hook, over the whole series: a hook that moves (removed in
    // one hunk, added in another) grants the same and stays silent.
    const before = new Map<string, Map<string, DiffLine>>();
    const after = new Map<string, Map<string, { line: DiffLine; patch: Patch; path: string }>>();
    for (const { patch, file } of seriesFiles(series, isXsm)) {
      for (const hunk of file.hunks) {
        // Only the hook's lines count: a hunk with none of them grants nothing either way.
        if (!hunk.lines.some((line) => line.func !== undefined && HOOK.test(line.func))) continue;
        for (const [image, sink] of [
          [preImage(hunk), 'before'],
          [postImage(hunk), 'after'],
        ] as const) {
          const byHook = new Map<string, DiffLine[]>();
          for (const line of image) {
            if (line.func && HOOK.test(line.func)) byHook.set(line.func, [...(byHook.get(line.func) ?? []), line]);
          }
          for (const [key, lines] of byHook) {
            for (const [grant, line] of guestGrants(lines)) {
              if (sink === 'before') {
                const map = before.get(key) ?? new Map<string, DiffLine>();
                map.set(grant, line);
                before.set(key, map);
              } else {
                const map = after.get(key) ?? new Map<string, { line: DiffLine; patch: Patch; path: string }>();
                if (!map.has(grant) || line.kind === 'add') map.set(grant, { line, patch, path: file.path });
                after.set(key, map);
              }
            }
          }
        }
      }
    }
    const findings: RuleFinding[] = [];
    for (const [key, grants] of after) {
      const had = before.get(key) ?? new Map<string, DiffLine>();
      // A grant the hunk already showed for the same mode, for every subop, or for a mode it
      // did not show, covers the new one.
      const covered = (grant: string): boolean => {
        const [mode, subop] = grant.split('/');
        return had.has(grant) || had.has(`${mode}/*`) || had.has(`?/${subop}`) || had.has('?/*');
      };
      const added = [...grants].filter(([grant, site]) => !covered(grant) && site.line.kind === 'add');
      if (added.length === 0) continue;
      const first = added[0]![1];
      const what = added.map(([g]) => describeGrant(g)).join('; ');
      findings.push({
        severity: context.severity,
        path: first.path,
        line: lineNumber(first.line),
        side: 'new',
        message:
          `This XSM change lets the guest itself use more altp2m subops (${what}). In 'limited' mode only whitelisted subops may reach the guest, ` +
          `and 'mixed' mode has not been evaluated for safety: evaluate each newly exposed subop for in-guest use and say so in the commit message, or keep it at XSM_DM_PRIV (see ${WHERE}).`,
        evidence: added.map(([, site]) => site.line.text).filter((t, i, all) => all.indexOf(t) === i),
        anchor: first.patch.message.id,
        subject: key,
      });
    }
    return findings;
  },
};

function describeGrant(grant: string): string {
  const [mode, subop] = grant.split('/');
  const where = mode === '?' ? 'in the mode this branch handles' : mode === 'default' ? 'in any other mode' : `in '${mode}' mode`;
  return `${subop === '*' ? 'every subop' : subop} ${where}`;
}
