import { beforeAll, describe, expect, it } from 'vitest';
import { useFakeGitHub } from '../../support/github-harness.js';
import { CLEAN_COMMIT, pullState } from './fixtures.js';

// The fake must refuse what GitHub would refuse, or the integration tests prove nothing.
const fake = useFakeGitHub({ ghp_t: 'write' });
const headers = { authorization: 'token ghp_t', accept: 'application/vnd.github+json', 'content-type': 'application/json' };

beforeAll(() => {
  fake.setPull('o', 'r', 1, pullState('a'.repeat(40), 't', [CLEAN_COMMIT]));
});

async function call(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${fake.url}${path}`, { method, headers: { ...headers, ...extra }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  await res.text();
  return res.status;
}

describe('the fake GitHub validates requests against the OpenAPI description', () => {
  it('accepts a valid review', async () => {
    const status = await call('POST', '/repos/o/r/pulls/1/reviews', { commit_id: 'a'.repeat(40), event: 'COMMENT', body: 'x', comments: [{ path: 'xen/arch/x86/hvm/hvm.c', line: 121, side: 'RIGHT', body: 'y' }] });
    expect(status).toBe(200);
    expect(fake.violations).toEqual([]);
  });

  it('records an unknown route, a bad body, an unknown query parameter and a wrong media type', async () => {
    expect(await call('GET', '/repos/o/r/pulls/1/reviewers-of-doom')).toBe(404);
    expect(await call('POST', '/repos/o/r/pulls/1/reviews', { event: 'SHOUT', comments: [{ path: 'a' }] })).toBe(422);
    expect(await call('GET', '/repos/o/r/pulls/1/files?per_page=100&colour=blue')).toBe(422);
    expect(await call('GET', '/repos/o/r/pulls/1/files?per_page=lots')).toBe(422);
    expect(await call('PATCH', '/repos/o/r/check-runs/1', { output: { title: 't', summary: 's', annotations: Array.from({ length: 51 }, () => ({ path: 'a', start_line: 1, end_line: 1, annotation_level: 'failure', message: 'm' })) } })).toBe(422);
    expect(await call('GET', '/repos/o/r/pulls/1', undefined, { accept: 'application/vnd.github.sarif' })).toBe(415);
    expect(fake.violations).toHaveLength(6);
    expect(fake.violations.join('\n')).toMatch(/no such route/);
    expect(fake.violations.join('\n')).toMatch(/colour/);
    expect(fake.violations.join('\n')).toMatch(/checks\/update/);
    fake.violations.length = 0;
  });

  it('answers 422 for a comment outside the diff and flags position', async () => {
    expect(await call('POST', '/repos/o/r/pulls/1/reviews', { event: 'COMMENT', body: 'x', comments: [{ path: 'xen/arch/x86/hvm/hvm.c', line: 500, side: 'RIGHT', body: 'y' }] })).toBe(422);
    await call('POST', '/repos/o/r/pulls/1/reviews', { event: 'COMMENT', body: 'x', comments: [{ path: 'xen/arch/x86/hvm/hvm.c', position: 2, body: 'y' }] });
    expect(fake.violations).toEqual(['review comment uses the deprecated "position"']);
    fake.violations.length = 0;
  });

  it('serves the patch media type and 401 without a token', async () => {
    const res = await fetch(`${fake.url}/repos/o/r/pulls/1`, { headers: { ...headers, accept: 'application/vnd.github.patch' } });
    expect(await res.text()).toMatch(/^From c1ea0{35}1 Mon Sep 17 00:00:00 2001\n/);
    expect(await call('GET', '/repos/o/r/pulls/1', undefined, { authorization: 'token nope' })).toBe(401);
    expect(fake.violations).toEqual([]);
  });
});
