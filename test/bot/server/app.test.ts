import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { pullRequestPayload, useGitHubApp } from '../../support/app-harness.js';
import { DOMCTL_COMMIT, pullState } from '../github/fixtures.js';

const SECRET = 'webhook-secret-for-tests';
const APP_ID = 4242;
const INSTALLATION = 77;
const { fake, app, log } = useGitHubApp({ appId: APP_ID, installationId: INSTALLATION, webhookSecret: SECRET });

const payload = (number: number, action: string, sha: string): string => pullRequestPayload(number, action, sha, INSTALLATION);

async function deliver(body: string, signature: string | null, id = `d-${Math.random()}`): Promise<Response> {
  return fetch(`${app.url}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': id, ...(signature === null ? {} : { 'x-hub-signature-256': signature }) },
    body,
  });
}

const sign = (body: string, secret = SECRET): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('the GitHub App webhook server', () => {
  it('answers /healthz', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('rejects unsigned and forged deliveries with 401 and posts nothing', async () => {
    fake.setPull('xen-project', 'xen', 31, pullState('a1'.repeat(20), 'forged', [DOMCTL_COMMIT]));
    const body = payload(31, 'opened', 'a1'.repeat(20));
    expect((await deliver(body, null)).status).toBe(401);
    expect((await deliver(body, sign(body, 'not-the-secret'))).status).toBe(401);
    // A valid signature of another body does not cover this one.
    expect((await deliver(body.replace('opened', 'reopened'), sign(body))).status).toBe(401);
    await app.idle();
    expect(fake.log.filter((r) => r.path.includes('/pulls/31') || r.path.includes('/access_tokens'))).toEqual([]);
    expect(fake.reviews('xen-project', 'xen', 31)).toEqual([]);
  });

  it('a signed delivery is acknowledged at once and leads to exactly one review, even delivered concurrently', async () => {
    const sha = 'b2'.repeat(20);
    fake.setPull('xen-project', 'xen', 32, pullState(sha, 'altp2m via domctl', [DOMCTL_COMMIT]));
    const opened = payload(32, 'opened', sha);
    // GitHub answers nothing until the deliveries are acknowledged: "at once" means before
    // any review work, however long that would take.
    const release = fake.hold();
    const first = await Promise.all([deliver(opened, sign(opened)), deliver(opened, sign(opened)), deliver(payload(32, 'reopened', sha), sign(payload(32, 'reopened', sha)))]);
    expect(first.map((r) => r.status)).toEqual([202, 202, 202]);
    release();
    await app.idle();
    // A redelivery after the review: the marker on the PR stops a second one.
    const again = payload(32, 'synchronize', sha);
    expect((await deliver(again, sign(again))).status).toBe(202);
    await app.idle();
    const reviews = fake.reviews('xen-project', 'xen', 32);
    expect(reviews).toHaveLength(1);
    expect(reviews[0]!.comments.some((c) => c.body.includes('altp2m-domctl'))).toBe(true);
    expect(fake.log.filter((r) => r.path === `/app/installations/${INSTALLATION}/access_tokens`).length).toBeGreaterThan(0);
    expect(fake.violations).toEqual([]);
    expect(log.join('\n')).not.toContain('PRIVATE KEY');
  }, 240_000);
});
