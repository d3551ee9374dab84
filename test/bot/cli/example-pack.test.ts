// A pack kept outside the repository's packs: the example of test/fixtures/packs/xsm-sysctl
// (TypeScript against src/engine/rule.ts, src/ untouched), bundled into one ES module as its
// author would ship it, and run by the built CLI with --pack <module> (docs/packs.md).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../../support/cli.js';
import { CHECKED_PATCH, SYSCTL_PATCH } from '../../rules/example-pack/patches.js';

const dir = mkdtempSync(join(tmpdir(), 'patchsentry-example-pack-'));
const pack = join(dir, 'xsm-sysctl.mjs');
const file = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

interface JsonReport {
  patches: { subject: string; findings: { rule: string; severity: string; path: string; line: number; policy: string; message: string }[] }[];
}

beforeAll(async () => {
  await build({ entryPoints: [join(ROOT, 'test/fixtures/packs/xsm-sysctl/index.ts')], outfile: pack, bundle: true, platform: 'node', format: 'esm', logLevel: 'error' });
});

describe('an example pack through the built CLI (--pack <module>)', () => {
  it("reports its rule's finding, citing its own policy, and fails by it", async () => {
    const run = await runCli(['check', '--pack', pack, '-f', 'json', file('sysctl.patch', SYSCTL_PATCH)]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const findings = (JSON.parse(run.stdout) as JsonReport).patches.flatMap((p) => p.findings);
    expect(findings.map((f) => [f.rule, f.severity, f.path, f.line, f.policy])).toEqual([['xsm-sysctl-hook', 'error', 'xen/include/public/sysctl.h', 1181, 'xen/xsm/flask/hooks.c, flask_sysctl()']]);
  });

  it('is silent on a patch that adds the check too, and sees nothing of the xen-altp2m pack', async () => {
    const run = await runCli(['check', '--pack', pack, '-f', 'json', file('checked.patch', CHECKED_PATCH)]);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as JsonReport).patches.flatMap((p) => p.findings)).toEqual([]);
    const domctl = await runCli(['check', '--pack', pack, '-f', 'json', join(ROOT, 'examples/xen-altp2m-review.mbox')]);
    expect(domctl.code).toBe(0);
  });

  it("lists its rules, and its config is checked against its rules (pack: names it, rules: sets a severity)", async () => {
    const rules = await runCli(['rules', '--pack', pack]);
    expect(rules.stdout).toMatch(/^xsm-sysctl-hook\s+error\s+a new XEN_SYSCTL_\* command that flask_sysctl\(\) does not check$/m);
    const config = file('lowered.yml', 'pack: xsm-sysctl\nrules:\n  xsm-sysctl-hook: warning\n');
    const lowered = await runCli(['check', '--pack', pack, '-c', config, '-f', 'json', join(dir, 'sysctl.patch')]);
    expect(lowered.code).toBe(0);
    expect((JSON.parse(lowered.stdout) as JsonReport).patches[0]!.findings.map((f) => f.severity)).toEqual(['warning']);
    const wrong = file('wrong.yml', 'rules:\n  altp2m-domctl: off\n');
    const refused = await runCli(['check', '--pack', pack, '-c', wrong, join(dir, 'sysctl.patch')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/unknown rule "altp2m-domctl" \(known: xsm-sysctl-hook\)/);
  });

  it('an unknown pack name is a usage error listing the known packs', async () => {
    const run = await runCli(['check', '--pack', 'xsm-nope', join(dir, 'sysctl.patch')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown pack "xsm-nope" \(known: xen-altp2m; or --pack with the path of a pack module\)/);
  });
});
