/**
 * The App under a burst: 200 signed pull_request deliveries for 20 PRs sent at once (plus exact
 * copies of some, as a replay would be), against the fake GitHub. Each PR gets one review per
 * head, every delivery is answered at once, nothing fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac, randomUUID } from 'node:crypto';
import Bottleneck from 'bottleneck';
import { useGitHubApp } from '../../support/app-harness.js';
import { DOMCTL_COMMIT, pullState, type Commit } from '../github/fixtures.js';

const SECRET = 'webhook-secret-for-load';
const APP_ID = 6262;
const INSTALLATION = 99;
const PRS = 20;
const PER_PR = 10;
const WRITE_SPACING_MS = 5;
const unhandled: unknown[] = [];
const onUnhandled = (error: unknown): void => void unhandled.push(error);

// Hooked before the App starts and unhooked after it closed (afterAll hooks run in reverse).
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});
const { fake, app, log } = useGitHubApp({
  appId: APP_ID,
  installationId: INSTALLATION,
  webhookSecret: SECRET,
  extra: {
    // The throttling plugin makes writes (POST/PATCH) one at a time, 1 s apart, and those that
    // notify (reviews, replies) 3 s apart, per installation (GitHub's advice against
    // secondary rate limits): over a minute for this burst, all from one installation. One at a time here too,
    // but 5 ms apart.
    throttle: {
      write: new Bottleneck.Group({ maxConcurrent: 1, minTime: WRITE_SPACING_MS }),
      notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: WRITE_SPACING_MS }),
    },
  },
});

interface Delivery {
  readonly id: string;
  readonly body: string;
}

function delivery(number: number, action: string, sha: string, id = randomUUID()): Delivery {
  // GitHub's payloads differ from event to event (timestamps, sender); so do these.
  const body = JSON.stringify({
    action,
    number,
    pull_request: { number, draft: false, updated_at: new Date().toISOString(), head: { sha, ref: 'topic' }, base: { sha: '0'.repeat(40), ref: 'staging' } },
    repository: { name: 'xen', full_name: 'xen-project/xen', owner: { login: 'xen-project' } },
    installation: { id: INSTALLATION },
    sender: { login: `pusher-${id.slice(0, 8)}` },
  });
  return { id, body };
}

async function send(d: Delivery): Promise<{ id: string; status: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${app.url}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': d.id,
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(d.body).digest('hex')}`,
    },
    body: d.body,
  });
  await res.text();
  return { id: d.id, status: res.status, ms: performance.now() - started };
}

/** The domctl violation under another name: a new finding, so a new push has something to say. */
const renamed = (name: string): Commit => ({
  ...DOMCTL_COMMIT,
  subject: DOMCTL_COMMIT.subject.replace('get_views', name),
  files: DOMCTL_COMMIT.files.map((f) => ({ ...f, hunks: f.hunks.map(([o, n, lines]) => [o, n, lines.map((l) => l.replace(/get_views/g, name))] as const) })),
});
const sha = (pr: number, head: string): string => `${head}${String(pr).padStart(3, '0')}`.padEnd(40, head);
const commits = (number: number) => fake.reviews('xen-project', 'xen', number).map((r) => r.commit_id);

describe('200 concurrent signed deliveries for 20 pull requests', () => {
  it('one review per PR and head, every delivery answered 202 (its copies 409), nothing fails', async () => {
    const numbers = Array.from({ length: PRS }, (_, i) => 301 + i);
    const deliveries: Delivery[] = [];
    for (const [i, number] of numbers.entries()) {
      if (i % 2 === 0) {
        // Pushed once: opened, then nine more deliveries of the same head under new IDs.
        fake.setPull('xen-project', 'xen', number, pullState(sha(number, 'a'), `series ${number}`, [DOMCTL_COMMIT]));
        deliveries.push(delivery(number, 'opened', sha(number, 'a')));
        for (let k = 1; k < PER_PR; k++) deliveries.push(delivery(number, 'synchronize', sha(number, 'a')));
      } else {
        // Pushed again before the burst: the 'opened' deliveries name a head that is gone,
        // whose review is of the head GitHub now has, the one the synchronize ones name.
        fake.setPull('xen-project', 'xen', number, pullState(sha(number, 'b'), `series ${number}`, [DOMCTL_COMMIT]));
        for (let k = 0; k < 3; k++) deliveries.push(delivery(number, 'opened', sha(number, 'a')));
        for (let k = 3; k < PER_PR; k++) deliveries.push(delivery(number, 'synchronize', sha(number, 'b')));
      }
    }
    expect(deliveries).toHaveLength(200);
    // Exact copies of every tenth delivery go in the same burst, as a replay would.
    const copies = deliveries.filter((_, i) => i % 10 === 5).map((d) => ({ ...d }));
    const burst = [...deliveries, ...copies].sort(() => Math.random() - 0.5);

    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    // GitHub answers nothing until every delivery is acknowledged: the acknowledgements cannot
    // wait for any review. (How long they take is printed below, not asserted.)
    const release = fake.hold();
    const answers = await Promise.all(burst.map(send));
    const answered = performance.now() - started;
    release();
    await app.idle();
    const drained = performance.now() - started;
    const rssAfter = process.memoryUsage().rss;

    // Every delivery accepted; of each copied ID exactly one 202 and one 409.
    const byId = new Map<string, number[]>();
    for (const a of answers) byId.set(a.id, [...(byId.get(a.id) ?? []), a.status]);
    expect(byId.size).toBe(200);
    for (const d of deliveries) {
      const statuses = (byId.get(d.id) ?? []).sort();
      expect(statuses, d.id).toEqual(copies.some((c) => c.id === d.id) ? [202, 409] : [202]);
    }

    for (const [i, number] of numbers.entries()) expect(commits(number), `#${number}`).toEqual([sha(number, i % 2 === 0 ? 'a' : 'b')]);
    for (const number of numbers) expect(fake.reviews('xen-project', 'xen', number)[0]!.comments.some((c) => c.body.includes('altp2m-domctl'))).toBe(true);

    // A second push to the even PRs afterwards, with a new finding: one more review each, for
    // the new head only. (A push with nothing new to say posts no review: see the GitHub tests.)
    const second = numbers.filter((_, i) => i % 2 === 0).flatMap((number) => {
      fake.setPull('xen-project', 'xen', number, pullState(sha(number, 'c'), `series ${number} v2`, [renamed('list_views')]));
      return [delivery(number, 'synchronize', sha(number, 'c')), delivery(number, 'synchronize', sha(number, 'c'))];
    });
    expect((await Promise.all(second.map(send))).map((a) => a.status)).toEqual(Array<number>(second.length).fill(202));
    await app.idle();
    for (const [i, number] of numbers.entries()) expect(commits(number), `#${number}`).toEqual(i % 2 === 0 ? [sha(number, 'a'), sha(number, 'c')] : [sha(number, 'b')]);

    expect(log.filter((l) => /failed|error/i.test(l))).toEqual([]);
    expect(unhandled).toEqual([]);
    expect(fake.violations).toEqual([]);
    const writes = fake.log.filter((r) => r.method !== 'GET').length;
    const notifying = fake.log.filter((r) => r.method === 'POST' && /\/reviews$|\/replies$/.test(r.path)).length;
    const tokens = fake.log.filter((r) => r.path === `/app/installations/${INSTALLATION}/access_tokens`).length;
    const checkRuns = fake.checkRuns.length;
    const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
    // Figures, for the reader of the log: measured, not asserted.
    console.log(
      `load: ${burst.length} requests (${deliveries.length} deliveries + ${copies.length} copies) for ${PRS} PRs: all answered in ${answered.toFixed(0)} ms ` +
        `(each in median ${ms[ms.length >> 1]!.toFixed(0)} ms, slowest ${ms.at(-1)!.toFixed(0)} ms), reviews done in ${drained.toFixed(0)} ms; ` +
        `${numbers.reduce((n, number) => n + commits(number).length, 0)} reviews, ${checkRuns} check runs, ${tokens} installation token(s), ` +
        `${fake.log.length} GitHub requests of which ${writes} writes, ${notifying} of them notifying (at least ${Math.max(writes, notifying * 3)} s at the production write spacing); RSS ${(rssBefore / 2 ** 20).toFixed(0)} -> ${(rssAfter / 2 ** 20).toFixed(0)} MiB`,
    );
  }, 240_000);
});
