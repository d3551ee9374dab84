import { describe, expect, it } from 'vitest';
import { redactor, redactUrl, resolveUrl, SecretUrlError } from '../../../bot/mail/secrets.js';
import { parseDuration } from '../../../bot/cli/mail-commands.js';

describe('resolveUrl', () => {
  it('takes a URL as it is, "env" from the environment, "@FILE" from a file', () => {
    expect(resolveUrl('smtp://a:b@h:25', '--smtp', 'X', {}).href).toBe('smtp://a:b@h:25');
    expect(resolveUrl('env', '--smtp', 'PATCHSENTRY_SMTP_URL', { PATCHSENTRY_SMTP_URL: 'smtps://u:p@mail:465' }).port).toBe('465');
    expect(resolveUrl('@/etc/x', '--smtp', 'X', {}, (path) => (path === '/etc/x' ? 'smtp://u:pw@m:587\nignored\n' : '')).password).toBe('pw');
  });

  it('names the option and never echoes a bad value', () => {
    expect(() => resolveUrl('env', '--smtp', 'PATCHSENTRY_SMTP_URL', {})).toThrow('--smtp: "env" given but PATCHSENTRY_SMTP_URL is not set');
    try {
      resolveUrl('not a url with hunter2', '--imap', 'X', {});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SecretUrlError);
      expect((error as Error).message).toBe('--imap: not a valid URL');
    }
  });
});

describe('redaction', () => {
  it('hides the password in URLs and in any text, encoded or not', () => {
    const url = new URL(`smtp://bot:${encodeURIComponent('p@ss w')}@mail.example.org:587`);
    expect(redactUrl(url)).toBe('smtp://bot:***@mail.example.org:587');
    expect(redactUrl(new URL('smtp://mail.example.org'))).toBe('smtp://mail.example.org');
    const redact = redactor(url, null);
    expect(redact('auth failed for p@ss w and p%40ss%20w')).toBe('auth failed for *** and ***');
  });
});

describe('parseDuration', () => {
  it('reads seconds, minutes, hours and plain numbers as seconds', () => {
    expect([parseDuration('0'), parseDuration('90s'), parseDuration('30m'), parseDuration('2h'), parseDuration('200ms'), parseDuration('5')]).toEqual([0, 90_000, 1_800_000, 7_200_000, 200, 5000]);
    expect(() => parseDuration('soon')).toThrow('expected a duration');
  });
});
