// The first run most users make: a branch exported with `git format-patch --stdout` (numbered
// `[PATCH n/N]`, no Message-ID, several authors) piped into `check -`. The branch is one
// series, every finding sits on the patch whose diff holds its line, and a waiver trailer on
// one patch waives nothing on its siblings (docs/series.md).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, STACK, type Run } from '../../security/support.js';
import { makeXenRepo, type XenRepo } from '../../support/xen-repo.js';

interface Finding {
  rule: string;
  severity: string;
  path: string;
  waiver?: { by: string; reason: string };
}
interface Report {
  patches: { id: string; messageId: string | null; subject: string; series: { id: string | null; index: number | null; total: number | null }; files: { path: string }[]; findings: Finding[] }[];
  summary: { patches: number; series: number };
  errors: unknown[];
}
const report = (r: Run): Report => JSON.parse(r.stdout) as Report;

let repo: XenRepo;
let mbox: string;
beforeAll(() => {
  repo = makeXenRepo();
  // Bob wires the subop Alice defined (so the series is complete only as a whole); Carol
  // touches the README and acks the DOMCTL in her own patch, which must waive nothing.
  const hvm = join(repo.dir, 'xen/arch/x86/hvm/hvm.c');
  const text = readFileSync(hvm, 'utf8')
    .replace('    case HVMOP_altp2m_destroy_p2m:\n        break;', '    case HVMOP_altp2m_destroy_p2m:\n    case HVMOP_altp2m_get_views:\n        break;')
    .replace('    default:\n        ASSERT_UNREACHABLE();', '    case HVMOP_altp2m_get_views:\n        rc = altp2m_get_views(d, &a);\n        break;\n    default:\n        ASSERT_UNREACHABLE();');
  writeFileSync(hvm, text);
  repo.git('commit', '-q', '-a', '--author=Bob Hacker <bob@example.net>', '-m', 'x86/hvm: handle HVMOP_altp2m_get_views\n\nSigned-off-by: Bob Hacker <bob@example.net>');
  writeFileSync(join(repo.dir, 'README'), 'Xen hypervisor (test tree, with altp2m views)\n');
  repo.git(
    'commit',
    '-q',
    '-a',
    '--author=Carol Maint <carol@example.com>',
    '-m',
    'README: mention the views\n\nAltp2m-Policy-Ack: altp2m-domctl agreed on the list\nSigned-off-by: Carol Maint <carol@example.com>',
  );
  mbox = repo.git('format-patch', '--stdout', `${repo.base}..HEAD`);
});
afterAll(() => rmSync(repo.dir, { recursive: true, force: true }));

describe('a branch exported with git format-patch --stdout', () => {
  it('is one series of five patches from three authors, told apart without Message-IDs', async () => {
    expect(mbox).not.toMatch(/^Message-I[dD]:/m);
    expect(mbox.match(/^Subject: \[PATCH \d\/5\]/gm)).toHaveLength(5);
    const run = await cli(['check', '--format', 'json', '-'], { stdin: mbox });
    expect(run.stderr).not.toMatch(STACK);
    const r = report(run);
    expect(r.errors).toEqual([]);
    expect(r.summary).toMatchObject({ patches: 5, series: 1 });
    expect(r.patches.map((p) => p.series.index)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(r.patches.map((p) => p.id)).size).toBe(5);
    expect(r.patches.every((p) => p.messageId === null && /^sha256:[0-9a-f]{64}$/.test(p.id))).toBe(true);
  });

  it('puts each finding on the patch whose diff holds it, and a sibling trailer waives nothing', async () => {
    const run = await cli(['check', '--format', 'json', '-'], { stdin: mbox });
    expect(run.code).toBe(1);
    const r = report(run);
    for (const p of r.patches) for (const f of p.findings) expect(p.files.map((x) => x.path), `${f.rule} on ${p.subject}`).toContain(f.path);
    const rules = r.patches.map((p) => p.findings.map((f) => `${f.rule}:${f.severity}`));
    expect(rules).toEqual([[], ['altp2m-domctl:error'], ['altp2m-new-subop:info'], [], []]);
    expect(r.patches[1]!.findings[0]!.waiver).toBeUndefined();
  });

  it("is waived by the trailer on the patch itself, and the text report names only that patch", async () => {
    // The same export with Carol's ack (trusted by the config) moved into 2/5's own commit
    // message, in the form b4 carries from a reply; Alice's own ack there is only a request.
    const acked = mbox.replace(/(Subject: \[PATCH 2\/5\][^]*?\n\n[^]*?)(Signed-off-by: Alice)/, '$1Altp2m-Policy-Ack: Carol Maint <carol@example.com> # altp2m-domctl agreed on the list\n$2');
    expect(acked).not.toBe(mbox);
    const config = join(repo.dir, 'trusted.yml');
    writeFileSync(config, 'trusted:\n  - Carol Maint <carol@example.com>\n');
    const json = report(await cli(['check', '--format', 'json', '-c', config, '-'], { stdin: acked }));
    expect(json.patches[1]!.findings.map((f) => [f.severity, f.waiver?.reason])).toEqual([['info', 'agreed on the list']]);
    const own = mbox.replace(/(Subject: \[PATCH 2\/5\][^]*?\n\n[^]*?)(Signed-off-by: Alice)/, '$1Altp2m-Policy-Ack: altp2m-domctl agreed on the list\n$2');
    const requested = report(await cli(['check', '--format', 'json', '-'], { stdin: own }));
    expect(requested.patches[1]!.findings.map((f) => [f.severity, f.waiver])).toEqual([['error', undefined]]);
    const text = await cli(['check', '--format', 'text', '--no-progress', '-'], { stdin: mbox, env: { ...process.env, NO_COLOR: '1' } });
    expect(text.stdout.match(/altp2m-domctl/g)?.length ?? 0).toBeGreaterThan(0);
    // The finding is listed once, under 2/5 only.
    const blocks = text.stdout.split(/\n(?=\S)/).filter((b) => b.includes('XEN_DOMCTL_altp2m_get_views') && /altp2m-domctl/.test(b));
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.every((b) => !/README: mention the views|handle HVMOP_altp2m_get_views/.test(b))).toBe(true);
  });
});
