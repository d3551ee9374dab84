import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reviewMessages, type PatchReport } from '../../src/pipeline.js';
import { DEFAULT_CONFIG } from '../support/pack.js';
import { xenAltp2m } from '../../rules/xen-altp2m/index.js';
import type { RawMessage } from '../../src/ingest/mbox.js';
import { fcOptions } from './runs.js';

// Changes a generated patch may make, each to its own file: two that break the policy in a
// watched file, one clean change to a watched file, and two to files nobody watches.
const CHANGES: Record<string, { path: string; diff: string }> = {
  domctl: {
    path: 'xen/include/public/domctl.h',
    diff: [
      'diff --git a/xen/include/public/domctl.h b/xen/include/public/domctl.h',
      'index 2a1e9c4..7d3f0b8 100644',
      '--- a/xen/include/public/domctl.h',
      '+++ b/xen/include/public/domctl.h',
      '@@ -1306,6 +1306,7 @@ struct xen_domctl {',
      ' #define XEN_DOMCTL_get_paging_mempool_size       85',
      ' #define XEN_DOMCTL_set_paging_mempool_size       86',
      ' #define XEN_DOMCTL_dt_overlay                    87',
      '+#define XEN_DOMCTL_altp2m_get_views              89',
      ' #define XEN_DOMCTL_gdbsx_guestmemio            1000',
      ' #define XEN_DOMCTL_gdbsx_pausevcpu             1001',
      ' #define XEN_DOMCTL_gdbsx_unpausevcpu           1002',
    ].join('\n'),
  },
  subop: {
    path: 'xen/include/public/hvm/hvm_op.h',
    diff: [
      'diff --git a/xen/include/public/hvm/hvm_op.h b/xen/include/public/hvm/hvm_op.h',
      'index 1b2c3d4..5e6f7a8 100644',
      '--- a/xen/include/public/hvm/hvm_op.h',
      '+++ b/xen/include/public/hvm/hvm_op.h',
      '@@ -330,6 +330,8 @@ struct xen_hvm_altp2m_op {',
      ' #define HVMOP_altp2m_set_suppress_ve_multi 14',
      ' /* Get the number of altp2m views */',
      ' #define HVMOP_altp2m_get_p2m_count     15',
      '+/* Get the active view of a vCPU */',
      '+#define HVMOP_altp2m_get_active_view   16',
      '     domid_t domain;',
      '     uint16_t pad1;',
      '     uint32_t pad2;',
    ].join('\n'),
  },
  hvmClean: {
    path: 'xen/arch/x86/hvm/hvm.c',
    diff: [
      'diff --git a/xen/arch/x86/hvm/hvm.c b/xen/arch/x86/hvm/hvm.c',
      'index 0a1b2c3..4d5e6f7 100644',
      '--- a/xen/arch/x86/hvm/hvm.c',
      '+++ b/xen/arch/x86/hvm/hvm.c',
      '@@ -4100,7 +4100,7 @@ static int hvmop_set_param(',
      '     struct domain *d;',
      '     int rc;',
      ' ',
      '-    if ( copy_from_guest(&a, arg, 1) )',
      '+    if ( copy_from_guest(&a, arg, 1) != 0 )',
      '         return -EFAULT;',
      ' ',
      '     d = rcu_lock_domain_by_any_id(a.domid);',
    ].join('\n'),
  },
  ocaml: {
    path: 'tools/ocaml/libs/xc/xenctrl.ml',
    diff: [
      'diff --git a/tools/ocaml/libs/xc/xenctrl.ml b/tools/ocaml/libs/xc/xenctrl.ml',
      'index 3c4d5e6..7f8a9b0 100644',
      '--- a/tools/ocaml/libs/xc/xenctrl.ml',
      '+++ b/tools/ocaml/libs/xc/xenctrl.ml',
      '@@ -85,3 +85,4 @@ type domctl_create_config =',
      '   max_maptrack_frames: int;',
      '   max_grant_version: int;',
      '+  altp2m_count: int;',
      '   cpupool_id: int32;',
    ].join('\n'),
  },
  docs: {
    path: 'docs/misc/xen-command-line.pandoc',
    diff: [
      'diff --git a/docs/misc/xen-command-line.pandoc b/docs/misc/xen-command-line.pandoc',
      'index 9a8b7c6..5d4e3f2 100644',
      '--- a/docs/misc/xen-command-line.pandoc',
      '+++ b/docs/misc/xen-command-line.pandoc',
      '@@ -10,3 +10,4 @@ Some options',
      ' ### altp2m (Intel)',
      ' > `= <boolean>`',
      '+> Default: `false`',
      ' ',
    ].join('\n'),
  },
};
const KINDS = Object.keys(CHANGES);
const AUTHORS = ['Alice Dev <alice@example.org>', 'Bob Hacker <bob@example.net>', 'Carol Maint <carol@example.com>'];
/** Trusted by the config: her ack waives, except on her own patch (a waiver requested). */
const MAINTAINER = AUTHORS[2]!;
const CONFIG = { ...DEFAULT_CONFIG, trusted: [{ name: 'Carol Maint', address: 'carol@example.com' }] };

interface GenPatch {
  readonly changes: readonly string[];
  readonly author: number;
  readonly ack: boolean;
}
interface GenSeries {
  readonly withIds: boolean;
  readonly numbered: boolean;
  readonly patches: readonly GenPatch[];
}

const genPatch = fc.record({ changes: fc.uniqueArray(fc.constantFrom(...KINDS), { minLength: 1, maxLength: 3 }), author: fc.nat({ max: AUTHORS.length - 1 }), ack: fc.boolean() });
const genSeries = fc.record({ withIds: fc.boolean(), numbered: fc.boolean(), patches: fc.array(genPatch, { minLength: 1, maxLength: 5 }) });

/** One message as `git format-patch` writes it (`--stdout` when without ids, as sent otherwise). */
function message(series: GenSeries, s: number, patch: GenPatch, n: number): string {
  const total = series.patches.length;
  const tag = series.numbered && total > 1 ? `[PATCH ${n}/${total}]` : '[PATCH]';
  const head = [
    `From ${(s * 100 + n).toString(16).padStart(40, '0')} Mon Sep 17 00:00:00 2001`,
    `From: ${AUTHORS[patch.author]}`,
    'Date: Wed, 25 Nov 2026 09:12:44 +0100',
    `Subject: ${tag} change ${n} of series ${s}`,
    ...(series.withIds ? [`Message-Id: <s${s}-p${n}@example.org>`, ...(n > 1 ? [`In-Reply-To: <s${s}-p1@example.org>`, `References: <s${s}-p1@example.org>`] : [])] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: 8bit',
  ];
  // The acks come in the form b4 carries from a maintainer's reply: the person, then the rule.
  const trailers = [`Signed-off-by: ${AUTHORS[patch.author]}`, ...(patch.ack ? [`Altp2m-Policy-Ack: ${MAINTAINER} # altp2m-domctl agreed on the list`, `Altp2m-Policy-Ack: ${MAINTAINER} # altp2m-subop-incomplete wired later`] : [])];
  const diffs = patch.changes.map((c) => CHANGES[c]!.diff);
  return [...head, '', `Change ${n} of series ${s}.`, '', ...trailers, '---', '', ...diffs, '-- ', '2.47.3', ''].join('\n');
}

async function review(raws: RawMessage[]): Promise<PatchReport[]> {
  async function* source() {
    yield* raws;
  }
  const out: PatchReport[] = [];
  for await (const event of reviewMessages(source(), { pack: xenAltp2m, config: CONFIG })) if (event.kind === 'series') out.push(...event.patches);
  return out;
}

describe('fuzz: every finding sits on the patch whose diff holds it (docs/series.md)', () => {
  it('with and without Message-IDs, numbered or not, several authors, series interleaved', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(genSeries, { minLength: 1, maxLength: 3 }), fc.array(fc.nat({ max: 2 }), { maxLength: 20 }), async (series, order) => {
        // Interleave the series: `order` says which series' next patch comes next.
        const queues = series.map((s, i) => s.patches.map((p, n) => ({ s: i, n: n + 1, p })));
        const picked: { s: number; n: number; p: GenPatch }[] = [];
        for (const pick of order) {
          const queue = queues[pick % queues.length]!;
          if (queue.length > 0) picked.push(queue.shift()!);
        }
        for (const queue of queues) picked.push(...queue);
        const raws = picked.map((m, index) => ({ index, bytes: Buffer.from(message(series[m.s]!, m.s, m.p, m.n)) }));
        const reports = await review(raws);
        expect(reports.map((r) => r.index).sort((a, b) => a - b)).toEqual(raws.map((r) => r.index));
        const ids = new Set(reports.map((r) => r.id));
        expect(ids.size).toBe(reports.length);
        for (const report of reports) {
          const generated = picked[report.index]!;
          const paths = new Set(report.files.map((f) => f.path));
          for (const finding of report.findings) {
            expect(paths, `${finding.rule} at ${finding.path}:${finding.line} on "${report.subject}"`).toContain(finding.path);
            for (const line of finding.evidence) expect(raws[report.index]!.bytes.toString()).toContain(line);
            // Only the patch's own trailer waives its findings (or asks to, on the acker's own patch).
            if (finding.waiver) expect(generated.p.ack && generated.p.author !== 2).toBe(true);
            if (finding.waiverRequest) expect(generated.p.ack && generated.p.author === 2).toBe(true);
          }
          // A DOMCTL define is an error on the patch that adds it, waived only by its own trailer.
          if (generated.p.changes.includes('domctl')) {
            const domctl = report.findings.filter((f) => f.rule === 'altp2m-domctl');
            const waived = generated.p.ack && generated.p.author !== 2;
            expect(domctl.length).toBeGreaterThan(0);
            expect(domctl.every((f) => (waived ? f.severity === 'info' && f.waiver : f.severity === 'error' && !f.waiver))).toBe(true);
          } else expect(report.findings.filter((f) => f.rule === 'altp2m-domctl')).toEqual([]);
        }
      }),
      fcOptions,
    );
  });
});
