import { describe, expect, it } from 'vitest';
import { validateConfig, watchMatcher } from '../../src/engine/config.js';
import { DEFAULT_CONFIG } from '../support/pack.js';
import { xenAltp2m } from '../../rules/xen-altp2m/index.js';
import { ConfigError } from '../../src/errors.js';

const RULES = { name: 'test-pack', rules: [{ id: 'altp2m-domctl' }, { id: 'altp2m-new-subop' }], watch: ['xen/**'] };

describe('validateConfig', () => {
  it('an empty file is the defaults', () => {
    expect(validateConfig(null, RULES)).toEqual({ rules: {}, watch: ['xen/**'], waivers: [], trusted: [] });
    expect(validateConfig(null, xenAltp2m)).toBe(DEFAULT_CONFIG);
  });

  it('the watched paths are the pack\'s unless the config names them', () => {
    expect(validateConfig({ 'watch-extra': ['docs/**'] }, RULES).watch).toEqual(['xen/**', 'docs/**']);
  });

  it('pack: must name the pack in use', () => {
    expect(validateConfig({ pack: 'test-pack' }, RULES).watch).toEqual(['xen/**']);
    expect(() => validateConfig({ pack: 'other' }, RULES, '.patchsentry.yml')).toThrow('.patchsentry.yml: pack: "other" is not the pack in use (test-pack)');
  });

  it('reads rule switches, severities, watch lists and waivers', () => {
    const config = validateConfig(
      {
        rules: { 'altp2m-domctl': 'warning', 'altp2m-new-subop': 'off' },
        watch: ['xen/arch/x86/hvm/hvm.c'],
        'watch-extra': ['xen/arch/x86/mm/altp2m.c'],
        waivers: [{ rule: 'altp2m-domctl', 'message-id': '<a@b>', by: 'Jan', reason: 'agreed on the list' }],
      },
      RULES,
    );
    expect(config).toEqual({
      rules: { 'altp2m-domctl': { enabled: true, severity: 'warning' }, 'altp2m-new-subop': { enabled: false } },
      watch: ['xen/arch/x86/hvm/hvm.c', 'xen/arch/x86/mm/altp2m.c'],
      waivers: [{ rule: 'altp2m-domctl', messageId: '<a@b>', by: 'Jan', reason: 'agreed on the list' }],
      trusted: [],
    });
  });

  it('reads the trusted list of people whose Altp2m-Policy-Ack counts, each one "Name <address>"', () => {
    expect(validateConfig({ trusted: ['Jan Keeper <jan.keeper@example.com>', 'ada@example.org'] }, RULES).trusted).toEqual([
      { name: 'Jan Keeper', address: 'jan.keeper@example.com' },
      { name: '', address: 'ada@example.org' },
    ]);
    expect(() => validateConfig({ trusted: 'Jan <jan@example.com>' }, RULES, 'c.yml')).toThrow(/c\.yml: "trusted" must be a list/);
    expect(() => validateConfig({ trusted: ['Jan Keeper'] }, RULES)).toThrow(/trusted\[0\] must be one "Name <address>", got "Jan Keeper"/);
    expect(() => validateConfig({ trusted: ['a@example.org, b@example.org'] }, RULES)).toThrow(/trusted\[0\]/);
    expect(() => validateConfig({ trusted: [7] }, RULES)).toThrow(/trusted\[0\]/);
  });

  it.each([
    [[], /top level must be a mapping/],
    [{ rule: {} }, /unknown key "rule"/],
    [{ rules: ['altp2m-domctl'] }, /"rules" must be a mapping/],
    [{ rules: { 'altp2m-nope': 'off' } }, /unknown rule "altp2m-nope" \(known: altp2m-domctl, altp2m-new-subop\)/],
    [{ rules: { 'altp2m-domctl': 3 } }, /rules\.altp2m-domctl: 3 is not one of off, on, error, warning, info \(or a mapping with severity and enabled\)/],
    [{ rules: { 'altp2m-new-subop': 'onn' } }, /rules\.altp2m-new-subop: "onn" is not one of off, on, error, warning, info/],
    [{ rules: { 'altp2m-domctl': { severity: 'fatal' } } }, /rules\.altp2m-domctl\.severity: "fatal" is not one of error, warning, info/],
    [{ rules: { 'altp2m-domctl': { sevrity: 'info' } } }, /rules\.altp2m-domctl: unknown key "sevrity" \(expected one of: severity, enabled\)/],
    [{ rules: { 'altp2m-domctl': { enabled: 'yes' } } }, /rules\.altp2m-domctl\.enabled: "yes" is not one of true, false/],
    [{ waivers: [{ rule: 'altp2m-nope', subject: 'x', reason: 'x' }] }, /waivers\[0\]\.rule: "altp2m-nope" is not a known rule \(known: altp2m-domctl, altp2m-new-subop\)/],
    [{ waivers: [{ rule: 'altp2m-domctl', subject: 'x', reason: 'x', messageid: '<a@b>' }] }, /waivers\[0\]: unknown key "messageid" \(expected one of: rule, message-id, subject, by, reason\)/],
    [{ watch: [''] }, /"watch" must be a list of path globs/],
    [{ waivers: {} }, /"waivers" must be a list/],
    [{ waivers: [{ rule: 'altp2m-domctl', 'message-id': '<a@b>' }] }, /waivers\[0\]\.reason is required/],
    [{ waivers: [{ rule: 'altp2m-domctl', reason: 'x' }] }, /waivers\[0\] needs message-id or subject/],
  ])('%j is refused with a message naming the key', (raw, message) => {
    expect(() => validateConfig(raw, RULES, '.patchsentry.yml')).toThrow(ConfigError);
    expect(() => validateConfig(raw, RULES, '.patchsentry.yml')).toThrow(message);
    expect(() => validateConfig(raw, RULES, '.patchsentry.yml')).toThrow(/^\.patchsentry\.yml: /);
  });
});

describe('watchMatcher', () => {
  const watched = watchMatcher(DEFAULT_CONFIG);
  it.each([
    ['xen/arch/x86/hvm/hvm.c', true],
    ['xen/include/public/hvm/hvm_op.h', true],
    ['xen/include/public/domctl.h', true],
    ['xen/include/xsm/dummy.h', true],
    ['xen/xsm/flask/hooks.c', true],
    ['xen/arch/arm/domctl.c', true],
    ['tools/libs/ctrl/xc_altp2m.c', true],
    ['docs/man/xl.cfg.5.pod.in', true],
    ['xen/arch/x86/mm/p2m.c', false],
    ['tools/misc/xen-altp2m-views.c', false],
    ['docs/misc/altp2m.txt', false],
  ])('%s → %s', (path, expected) => {
    expect(watched(path)).toBe(expected);
  });

  it('the default list is the one docs/policy.md names', () => {
    expect(xenAltp2m.watch).toContain('xen/common/domctl.c');
  });
});
