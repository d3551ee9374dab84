import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/engine/config.js';
import { ConfigError } from '../../../src/errors.js';
import { xenAltp2m } from '../../../rules/xen-altp2m/index.js';
import { casesFor, expectGolden, messageIds, only, review } from './golden.js';

const one = (name: string) => {
  const c = casesFor(name)[0];
  if (!c) throw new Error(`no golden case ${name}`);
  return c;
};
const config = (yaml: string) => validateConfig(parse(yaml), xenAltp2m, '.patchsentry.yml');

describe('Altp2m-Policy-Ack trailer', () => {
  const acked = one('altp2m-domctl--fires--acked-by-trailer');

  it("takes the author's own trailer as a waiver requested: the finding keeps its severity", async () => {
    const reviewed = await review(acked.mbox);
    expectGolden(reviewed, acked.expected);
    const f = only(reviewed, messageIds(acked)[0]!, 'altp2m-domctl');
    expect(f.severity).toBe('warning');
    expect(f.waiver).toBeUndefined();
    expect(f.waiverRequest).toEqual({ by: 'Greta Holm <greta.holm@example.dk>', reason: 'creation-time option only, agreed with the x86 maintainers', why: "it is the patch author's own" });
  });

  it('turns the finding into info when a trusted person gives the trailer, in the form b4 carries', async () => {
    const text = readFileSync(acked.mbox, 'utf8').replace(
      'Altp2m-Policy-Ack: altp2m-domctl creation-time option only, agreed with the x86 maintainers',
      'Altp2m-Policy-Ack: Jan Keeper <jan.keeper@example.com> # altp2m-domctl creation-time option only',
    );
    const f = only(await review(Buffer.from(text), config('trusted: [ "Jan Keeper <jan.keeper@example.com>" ]')), messageIds(acked)[0]!, 'altp2m-domctl');
    expect([f.severity, f.waiver]).toEqual(['info', { by: 'Jan Keeper <jan.keeper@example.com>', reason: 'creation-time option only' }]);
  });

  it('waives only the rule it names', async () => {
    const text = readFileSync(acked.mbox, 'utf8').replace('Altp2m-Policy-Ack: altp2m-domctl ', 'Altp2m-Policy-Ack: altp2m-doc-warning ');
    const f = only(await review(Buffer.from(text)), messageIds(acked)[0]!, 'altp2m-domctl');
    expect(f.severity).toBe('warning');
    expect(f.waiver).toBeUndefined();
  });
});

describe('config waivers and rule settings (validateConfig + engine)', () => {
  const command = one('altp2m-domctl--fires--new-command');
  const [commandId] = messageIds(command);

  it('waives a rule on the patch with the given Message-ID', async () => {
    const cfg = config(`
waivers:
  - rule: altp2m-domctl
    message-id: "${commandId!}"
    by: Jan Beulich <jbeulich@suse.com>
    reason: prototype, will become a subop before merge
`);
    const findings = (await review(command.mbox, cfg)).byMessage.get(commandId!)!;
    expect(findings).toHaveLength(3);
    for (const f of findings) {
      expect(f.severity).toBe('info');
      expect(f.waiver).toEqual({ by: 'Jan Beulich <jbeulich@suse.com>', reason: 'prototype, will become a subop before merge' });
    }
  });

  it('waives by subject regex, and leaves other patches and rules alone', async () => {
    const cfg = config(`
waivers:
  - rule: altp2m-domctl
    subject: "get_view_info$"
    reason: discussed at the summit
`);
    const findings = (await review(command.mbox, cfg)).byMessage.get(commandId!)!;
    expect(findings.map((f) => [f.severity, f.waiver?.by])).toEqual([
      ['info', 'config'],
      ['info', 'config'],
      ['info', 'config'],
    ]);

    const other = one('altp2m-domctl--fires--arch-case');
    expectGolden(await review(other.mbox, cfg), other.expected);
    const wrongRule = config(`
waivers:
  - rule: altp2m-doc-warning
    message-id: "${commandId!}"
    reason: not this rule
`);
    expectGolden(await review(command.mbox, wrongRule), command.expected);
  });

  it('turns a rule off', async () => {
    const c = one('altp2m-subop-incomplete--fires--missing-whitelist');
    const reviewed = await review(c.mbox, config('rules:\n  altp2m-new-subop: off\n'));
    expect(reviewed.byMessage.get(messageIds(c)[0]!)!.map((f) => `${f.rule}:${f.severity}`)).toEqual(['altp2m-subop-incomplete:warning']);
  });

  it('changes the severity of a rule, for its default-level and field-level findings', async () => {
    const lowered = await review(command.mbox, config('rules:\n  altp2m-domctl: warning\n'));
    expect(lowered.byMessage.get(commandId!)!.map((f) => f.severity)).toEqual(['warning', 'warning', 'warning']);

    const field = one('altp2m-domctl--fires--createdomain-field');
    const quiet = await review(field.mbox, config('rules:\n  altp2m-domctl: { severity: info }\n'));
    expect(quiet.byMessage.get(messageIds(field)[0]!)!.map((f) => `${f.rule}:${f.severity}`)).toEqual(['altp2m-domctl:info']);
  });

  it('rejects waivers and settings that name no rule of the pack', () => {
    expect(() => config('waivers:\n  - rule: altp2m-domctls\n    subject: x\n    reason: typo\n')).toThrow(ConfigError);
    expect(() => config('waivers:\n  - rule: altp2m-domctl\n    reason: no target\n')).toThrow(/needs message-id or subject/);
    expect(() => config('rules:\n  altp2m-dom: off\n')).toThrow(/unknown rule "altp2m-dom"/);
  });
});
