import type { Report, Rule } from '../../src/engine/rule.js';
import type { DiffLine, Hunk } from '../../src/diff/model.js';
import type { Patch } from '../../src/ingest/patch.js';
import { codeOnly, hunkFacts, lineNumber, postImage, preImage, seriesFiles } from '../../src/diff/queries.js';
import { isDomctlHandler, isDomctlHeader, isToolSide } from './paths.js';
import { ALTP2M_TOKEN, ONE_INTERFACE, WHERE } from './policy.js';
import { containersBelow } from './containers.js';
import { braceDelta, caseLabel, definedName, isSwitchLabel, numericDefine } from '../../src/diff/c-lines.js';

/**
 * altp2m through a DOMCTL, in the three places it can be added:
 *
 *     #define XEN_DOMCTL_altp2m_get_views  89                    public/domctl.h: a command
 *     struct xen_domctl_altp2m_views { … };                      … its payload
 *         struct xen_domctl_altp2m_views altp2m_views;           … in the union of struct xen_domctl
 *     case XEN_DOMCTL_altp2m_get_views: … p2m_get_altp2m_views(…) xen/arch/x86/domctl.c
 *     domctl.cmd = XEN_DOMCTL_altp2m_get_views; do_domctl(…)    tools/libs/ctrl/xc_altp2m.c
 *
 * and, at warning level, an altp2m field in an existing DOMCTL (domain creation's altp2m options).
 */
export const altp2mDomctl: Rule = {
  id: 'altp2m-domctl',
  meta: {
    severity: 'error',
    messages: {
      command: `New DOMCTL command {{command}} for altp2m. ${ONE_INTERFACE}. Add it as a new HVMOP_altp2m_* subop in xen/include/public/hvm/hvm_op.h and do_altp2m_op() instead (see ${WHERE}).`,
      option: {
        text: `New altp2m option {{option}} in a DOMCTL. ${ONE_INTERFACE}; domain-creation options are the one accepted exception, so make sure this only configures altp2m and that any operation lives in a subop of HVMOP_altp2m (see ${WHERE}).`,
        severity: 'warning',
      },
      payload: `New DOMCTL payload {{kind}} {{name}} for altp2m. ${ONE_INTERFACE}. Put the arguments in a struct of the union in struct xen_hvm_altp2m_op (hvm_op.h) instead (see ${WHERE}).`,
      payloadState: `New DOMCTL payload struct {{name}} carries altp2m state ({{member}}). ${ONE_INTERFACE} (see ${WHERE}).`,
      unionMember: `New altp2m member {{member}} in the DOMCTL union: this makes a DOMCTL carry altp2m operations. ${ONE_INTERFACE}. Add a subop of HVMOP_altp2m instead (see ${WHERE}).`,
      field: {
        text: `New altp2m field {{field}} in an existing DOMCTL{{scope}}. ${ONE_INTERFACE}. Domain-creation options are tolerated, but check that this only configures altp2m at creation and that nothing here adds an operation (see ${WHERE}).`,
        severity: 'warning',
      },
      handler: `New DOMCTL handler case {{label}} does altp2m work. ${ONE_INTERFACE}. Implement it as a subop in do_altp2m_op() instead (see ${WHERE}).`,
      tool: `{{caller}}issues a DOMCTL for altp2m. ${ONE_INTERFACE}. Wrap a subop of HVMOP_altp2m (xencall with HVMOP_altp2m, as the other xc_altp2m_* functions do) instead (see ${WHERE}).`,
    },
  },
  summary: 'altp2m functionality added through a DOMCTL instead of a subop of HVMOP_altp2m',
  docs: `
Why: P1. All altp2m operations go through the one HVMOP (HVMOP_altp2m, do_altp2m_op()), so
that an agent inside the guest can use them too (HVM guests cannot issue DOMCTLs) and the
interface does not fragment. "Nothing altp2m goes into a DOMCTL, even for the external (dom0)
use case."

Fires (error): in xen/include/public/domctl.h a new XEN_DOMCTL_* command, struct or union
member whose code names altp2m; a new \`case XEN_DOMCTL_…:\` in xen/common/domctl.c or
xen/arch/*/domctl.c whose body does altp2m work; tool-side code (libxc / libxenctrl) that
issues a domctl (DECLARE_DOMCTL, do_domctl, domctl.cmd = XEN_DOMCTL_…) for altp2m.
Fires (warning): a new altp2m field or option constant in an existing DOMCTL struct, such as
the altp2m options of xen_domctl_createdomain.

Silent: a DOMCTL unrelated to altp2m, even when its comments mention alternate p2m views;
altp2m code that only moves or is renamed (a removed twin in the same series); a removed
DOMCTL; changes to comments only.
`,
  check(series, context) {
    const removedHeaderNames = new Set<string>();
    const removedCases = new Set<string>();
    const removedToolLines = new Set<string>();
    // The three kinds of file are told apart once per file; the others are not read at all.
    const files = seriesFiles(series).map(({ patch, file }) => ({ patch, file, header: isDomctlHeader(file.path), handler: isDomctlHandler(file.path), tool: isToolSide(file.path) }));
    for (const { file, header, handler, tool } of files) {
      if (!header && !handler && !tool) continue;
      for (const hunk of file.hunks) {
        // Only deleted lines are collected here: a hunk without any has nothing to give, nor has
        // a handler's hunk that names no DOMCTL (the case labels are all it gives).
        const facts = hunkFacts(hunk);
        if (!facts.deletes || (handler && !header && !tool && !facts.text.includes('XEN_DOMCTL_'))) continue;
        const pre = preImage(hunk);
        const code = codeOnly(pre);
        let containers: ((index: number) => string[]) | undefined;
        pre.forEach((line, i) => {
          if (line.kind !== 'del') return;
          const text = code[i] ?? '';
          if (header) for (const name of declaredNames(text, i, () => (containers ??= containersBelow(code)))) removedHeaderNames.add(name);
          if (handler) {
            const label = domctlCase(text);
            if (label) removedCases.add(label);
          }
          if (tool) removedToolLines.add(fold(text));
        });
      }
    }
    for (const { patch, file, header, handler, tool } of files) {
      if (!header && !handler && !tool) continue;
      for (const hunk of file.hunks) {
        if (header) headerFindings(patch, file.path, hunk, removedHeaderNames).forEach((r) => context.report(r));
        if (handler) handlerFindings(patch, file.path, hunk, removedCases).forEach((r) => context.report(r));
        if (tool) toolFindings(patch, file.path, hunk, removedToolLines).forEach((r) => context.report(r));
      }
    }
  },
};

const COMMAND = /^XEN_DOMCTL_[a-z][a-z0-9_]*$/;
const OPTION = /^XEN_DOMCTL_\w*ALTP2M\w*$/;
const AGGREGATE_OPEN = /^\s*(?:typedef\s+)?(struct|union)\s+(\w+)\s*\{?\s*$/;
const MEMBER = /^\s*(?:(?:const|volatile|unsigned|signed|struct|union|enum)\s+)*([A-Za-z_]\w*)(?:\s*\*+\s*|\s+)([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*(?::\s*\d+)?\s*;/;

/** Names a header line declares, qualified by anonymous containers (`altp2m.nr`). */
function declaredNames(text: string, index: number, containers: () => (index: number) => string[]): string[] {
  const define = definedName(text);
  if (define) return [fold(define)];
  const aggregate = AGGREGATE_OPEN.exec(text)?.[2];
  if (aggregate) return [fold(aggregate)];
  const member = MEMBER.exec(text);
  if (member?.[2]) return [fold([...containers()(index), member[2]].join('.'))];
  return [];
}

/** Identity of a name across renames that only restructure it: `altp2m_opts` ~ `altp2m.opts`. */
function fold(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
}

function headerFindings(patch: Patch, path: string, hunk: Hunk, removed: Set<string>): Report[] {
  // Every finding names altp2m in a line of the post-image (a command, option, struct, member
  // or an enclosing container's name): a hunk none of whose lines says it has none.
  if (!ALTP2M_TOKEN.test(hunkFacts(hunk).text)) return [];
  const post = postImage(hunk);
  const code = codeOnly(post);
  const containersOf = containersBelow(code);
  const findings: Report[] = [];
  // Aggregates opened by an added line are new structs; their members are reported with them.
  const newAggregates = new Map<string, DiffLine>();
  let openNew: string | null = null;
  let depth = 0;
  post.forEach((line, i) => {
    const text = code[i] ?? '';
    const aggregate = AGGREGATE_OPEN.exec(text);
    if (line.kind === 'add' && aggregate?.[2] && depth === 0) {
      openNew = aggregate[2];
      newAggregates.set(openNew, line);
    }
    depth += braceDelta(text);
    if (depth <= 0) {
      depth = 0;
      if (!/\{/.test(text)) openNew = null;
    }
    if (line.kind !== 'add' || text.trim() === '') return;

    const name = definedName(text);
    const command = name !== undefined && COMMAND.test(name) && numericDefine(text) !== undefined ? name : undefined;
    if (command) {
      if (ALTP2M_TOKEN.test(command) && !removed.has(fold(command))) {
        findings.push(finding(patch, path, line, 'command', { command }, command));
      }
      return;
    }
    const option = name !== undefined && OPTION.test(name) ? name : undefined;
    if (option) {
      if (!removed.has(fold(option)) && !isModeDefine(option)) {
        findings.push(finding(patch, path, line, 'option', { option }, option));
      }
      return;
    }
    if (aggregate?.[2]) {
      if (ALTP2M_TOKEN.test(aggregate[2]) && !removed.has(fold(aggregate[2]))) {
        findings.push(finding(patch, path, line, 'payload', { kind: aggregate[1] ?? '', name: aggregate[2] }, aggregate[2]));
      }
      return;
    }
    const member = MEMBER.exec(text);
    if (!member?.[2]) return;
    const qualified = [...containersOf(i), member[2]];
    const about = [...qualified, member[1] ?? ''].some((n) => ALTP2M_TOKEN.test(n));
    if (!about || removed.has(fold(qualified.join('.')))) return;
    if (openNew !== null && newAggregates.has(openNew)) {
      // A member of a new struct: the struct itself is the finding (when about altp2m).
      const owner = newAggregates.get(openNew)!;
      if (!ALTP2M_TOKEN.test(openNew)) {
        findings.push(finding(patch, path, owner, 'payloadState', { name: openNew, member: qualified.join('.') }, openNew));
      }
      return;
    }
    const scope = line.func ?? '';
    if (/^(?:struct|union) xen_domctl$/.test(scope)) {
      findings.push(finding(patch, path, line, 'unionMember', { member: member[2] }, member[2]));
      return;
    }
    findings.push(finding(patch, path, line, 'field', { field: qualified.join('.'), scope: scope ? ` (${scope})` : '' }, qualified.join('.')));
  });
  return dedupe(findings);
}

/** A `case XEN_DOMCTL_…:` label. */
function domctlCase(text: string): string | undefined {
  const label = caseLabel(text);
  return label !== undefined && /^XEN_DOMCTL_\w+$/.test(label) ? label : undefined;
}

/** The mode values themselves (XEN_DOMCTL_ALTP2M_mixed …) are the doc-warning rule's concern. */
function isModeDefine(name: string): boolean {
  return /^XEN_DOMCTL_ALTP2M_(?:disabled|mixed|external|limited|mode(?:_mask)?)$/.test(name);
}

function handlerFindings(patch: Patch, path: string, hunk: Hunk, removedCases: Set<string>): Report[] {
  // Findings start at an added `case XEN_DOMCTL_…:` label.
  const facts = hunkFacts(hunk);
  if (!facts.adds || !facts.text.includes('XEN_DOMCTL_') || !hunk.lines.some((l) => l.kind === 'add' && l.text.includes('XEN_DOMCTL_'))) return [];
  const post = postImage(hunk);
  const code = codeOnly(post);
  const findings: Report[] = [];
  post.forEach((line, i) => {
    if (line.kind !== 'add') return;
    const label = domctlCase(code[i] ?? '');
    if (!label || removedCases.has(label)) return;
    // The case body: following lines up to the next case label at the same indentation.
    const indent = /^\s*/.exec(line.text)?.[0].length ?? 0;
    const body: string[] = [];
    const bodyLines: DiffLine[] = [line];
    for (let j = i + 1; j < post.length; j++) {
      const next = post[j]!;
      const nextCode = code[j] ?? '';
      if (isSwitchLabel(nextCode) && (/^\s*/.exec(next.text)?.[0].length ?? 0) <= indent && body.some((b) => b.trim() !== '')) break;
      if (isSwitchLabel(nextCode) && body.every((b) => b.trim() === '')) {
        bodyLines.push(next);
        continue;
      }
      body.push(nextCode);
      bodyLines.push(next);
    }
    // Work, not a guard: a body that only asks whether altp2m is on (to refuse) is not altp2m
    // functionality.
    const altp2mWork = ALTP2M_TOKEN.test(label) || (body.some((b) => ALTP2M_TOKEN.test(b.replace(ALTP2M_PREDICATES, ''))) && !onlyPropagates(body));
    if (!altp2mWork) return;
    const evidence = bodyLines.filter((l) => l.kind === 'add' && (l === line || ALTP2M_TOKEN.test(l.text))).map((l) => l.text);
    findings.push({
      ...finding(patch, path, line, 'handler', { label }, label),
      evidence,
    });
  });
  return findings;
}

const ALTP2M_PREDICATES = /\b(?:hvm_)?altp2m_(?:active|supported)\s*\(|\bhvm_altp2m_supported\s*\(/g;

/**
 * A host-p2m setting mirrored into every view (`p2m_get_hostp2m(d)->x = v;` then
 * `d->arch.altp2m_p2m[i]->x = v;` over `d->nr_altp2m`) keeps the views consistent: the DOMCTL
 * is about the p2m, not an altp2m operation. Calling an altp2m function or carrying an altp2m
 * payload is work.
 */
function onlyPropagates(body: readonly string[]): boolean {
  const text = body.join('\n').replace(ALTP2M_PREDICATES, '');
  const calls = /\b\w*altp2m\w*\s*\(/i.test(text);
  const payload = /\bu\.\w*altp2m/i.test(text);
  return !calls && !payload && /\bp2m_get_hostp2m\s*\(|\bhostp2m\b/.test(text);
}

const ISSUES_DOMCTL = /\bDECLARE_DOMCTL\b|\bdo_domctl\s*\(|\bxc_domctl\s*\(|\.cmd\s*=\s*XEN_DOMCTL_\w+|\bstruct\s+xen_domctl\s+\w+/;

function toolFindings(patch: Patch, path: string, hunk: Hunk, removedLines: Set<string>): Report[] {
  // Findings start at an added line that issues a DOMCTL, and every way of doing so names it.
  const facts = hunkFacts(hunk);
  if (!facts.adds || !/domctl/i.test(facts.text) || !hunk.lines.some((l) => l.kind === 'add' && /domctl/i.test(l.text))) return [];
  const post = postImage(hunk);
  const code = codeOnly(post);
  // Group the added lines by the function they are in.
  const byScope = new Map<string, { lines: DiffLine[]; code: string[] }>();
  post.forEach((line, i) => {
    const key = line.func ?? '';
    const group = byScope.get(key) ?? { lines: [], code: [] };
    group.lines.push(line);
    group.code.push(code[i] ?? '');
    byScope.set(key, group);
  });
  const findings: Report[] = [];
  for (const [scope, group] of byScope) {
    const domctlLines = group.lines.filter((l, i) => l.kind === 'add' && ISSUES_DOMCTL.test(group.code[i] ?? '') && !removedLines.has(fold(group.code[i] ?? '')));
    if (domctlLines.length === 0) continue;
    // When the added code names the command, the command or its payload (`.u.<member>…`) says
    // whether it is for altp2m: an xc_altp2m_*() helper may well use XEN_DOMCTL_getdomaininfo.
    const added = group.code.filter((_, i) => group.lines[i]?.kind === 'add');
    const named = added.flatMap((c) => [...c.matchAll(/\bXEN_DOMCTL_[a-z]\w*|\.u\.[\w.]+/g)].map((m) => m[0]));
    const aboutAltp2m = named.some((n) => n.startsWith('XEN_DOMCTL_'))
      ? named.some((n) => ALTP2M_TOKEN.test(n))
      : ALTP2M_TOKEN.test(scope) || added.some((c) => /altp2m/i.test(c) && /domctl/i.test(c));
    if (!aboutAltp2m) continue;
    const first = domctlLines[0]!;
    findings.push({
      ...finding(patch, path, first, 'tool', { caller: scope ? `${scope}() ` : '' }, `tool:${scope}`),
      evidence: domctlLines.map((l) => l.text),
    });
  }
  return findings;
}

function finding(patch: Patch, path: string, line: DiffLine, messageId: string, data: Record<string, string>, subject: string): Report {
  return { messageId, data, path, line, side: 'new', evidence: [line.text], anchor: patch.message.id, subject };
}

function dedupe(findings: Report[]): Report[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.subject}:${typeof f.line === 'number' ? f.line : lineNumber(f.line)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
