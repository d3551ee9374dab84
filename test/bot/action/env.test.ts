import { describe, expect, it } from 'vitest';
import { ActionInputError, readActionEnv } from '../../../bot/action/env.js';
import { formatOutputs } from '../../../bot/action/outputs.js';

describe('the Action environment', () => {
  it('reads INPUT_* the way the runner names them (dashes kept)', () => {
    const env = readActionEnv({ 'INPUT_GITHUB-TOKEN': 't', 'INPUT_FAIL-ON': 'warning', INPUT_MODE: 'check', INPUT_CONFIG: ' .ps.yml ', GITHUB_API_URL: 'https://ghes.example/api/v3' }, '/w');
    expect(env).toMatchObject({ token: 't', failOn: 'warning', mode: 'check', config: '.ps.yml', apiUrl: 'https://ghes.example/api/v3', tempDir: '/w', workspace: '/w' });
  });
  it('defaults and rejects bad inputs', () => {
    expect(readActionEnv({ 'INPUT_GITHUB-TOKEN': 't', 'INPUT_FAIL-ON': '' }, '/w')).toMatchObject({ failOn: 'error', mode: 'review', apiUrl: 'https://api.github.com', config: undefined });
    expect(() => readActionEnv({ 'INPUT_GITHUB-TOKEN': 't', INPUT_MODE: 'comment' }, '/w')).toThrow(ActionInputError);
    expect(() => readActionEnv({ 'INPUT_GITHUB-TOKEN': 't', 'INPUT_FAIL-ON': 'fatal' }, '/w')).toThrow(/fail-on/);
    expect(() => readActionEnv({}, '/w')).toThrow(/github-token/);
  });
});

describe('GITHUB_OUTPUT', () => {
  it('writes name<<DELIMITER blocks', () => {
    expect(formatOutputs({ findings: '3', sarif: '/tmp/p.sarif' }, 'EOF1')).toBe('findings<<EOF1\n3\nEOF1\nsarif<<EOF1\n/tmp/p.sarif\nEOF1\n');
    expect(() => formatOutputs({ x: 'a EOF1' }, 'EOF1')).toThrow(/delimiter/);
    expect(formatOutputs({ a: 'b' })).toMatch(/^a<<ghadelimiter_[0-9a-f-]{36}\nb\nghadelimiter_[0-9a-f-]{36}\n$/);
  });
});
