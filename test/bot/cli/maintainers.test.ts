// check --maintainers: an Altp2m-Policy-Ack from a maintainer or reviewer of the file waives
// the finding; without the file (or from the author) it is a waiver requested; a trailer with
// an unknown rule is an entry in errors naming the message.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../../support/cli.js';

const MAINTAINERS = 'test/fixtures/maintainers/MAINTAINERS';
const PATCH = readFileSync(join(ROOT, 'test/fixtures/input/domctl.patch'), 'utf8');
const withTrailer = (trailer: string): string => PATCH.replace('Signed-off-by: Carol Dev', `${trailer}\nSigned-off-by: Carol Dev`);

interface Report {
  patches: { findings: { severity: string; waiver?: { by: string; reason: string }; waiverRequest?: { by: string; why: string } }[] }[];
  errors: { messageId?: string; reason: string }[];
}
const json = (stdout: string): Report => JSON.parse(stdout) as Report;

describe('check --maintainers', () => {
  const acked = withTrailer('Altp2m-Policy-Ack: Julia Rest <julia.rest@example.org> # altp2m-domctl toolstack only, agreed');

  it("waives on the ack of a maintainer of the file, in the form b4 carries", async () => {
    const run = await runCli(['check', '--format', 'json', '--fail-on', 'never', '--maintainers', MAINTAINERS, '-'], { stdin: acked });
    expect(run.code, run.stderr).toBe(0);
    const findings = json(run.stdout).patches[0]!.findings;
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) expect([f.severity, f.waiver]).toEqual(['info', { by: 'Julia Rest <julia.rest@example.org>', reason: 'toolstack only, agreed' }]);
  });

  it('without the file the same ack is a waiver requested, and the text report says so', async () => {
    const run = await runCli(['check', '--format', 'json', '--fail-on', 'never', '-'], { stdin: acked });
    const findings = json(run.stdout).patches[0]!.findings;
    for (const f of findings) expect([f.severity, f.waiverRequest?.why]).toEqual(['error', 'Julia Rest <julia.rest@example.org> is not on the trusted list (and no MAINTAINERS file was given)']);
    const text = await runCli(['check', '--no-color', '--maintainers', MAINTAINERS, '-'], { stdin: withTrailer('Altp2m-Policy-Ack: altp2m-domctl I need it') });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("waiver requested by Carol Dev <carol@example.net>; needs a maintainer's ack (it is the patch author's own): I need it");
  });

  it('reports a trailer naming no rule, and a MAINTAINERS file it cannot read', async () => {
    const run = await runCli(['check', '--format', 'json', '--fail-on', 'never', '-'], { stdin: withTrailer('Altp2m-Policy-Ack: altp2m-domctI toolstack only') });
    expect(json(run.stdout).errors).toEqual([expect.objectContaining({ messageId: '<20240603154011.4242-1-carol@example.net>', reason: expect.stringMatching(/altp2m-domctI toolstack only: names no rule of this pack/) })]);
    const missing = await runCli(['check', '--maintainers', 'no/such/MAINTAINERS', '-'], { stdin: PATCH });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--maintainers: cannot read no/such/MAINTAINERS: ENOENT');
  });
});
