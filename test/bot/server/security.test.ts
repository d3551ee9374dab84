/**
 * The webhook endpoint under hostile deliveries: forged and odd signatures, replays (a signed
 * delivery sent again with its X-GitHub-Delivery ID), missing IDs and oversized bodies. Every
 * one must be refused before the body is parsed. A body that is not JSON shows the order: were
 * it parsed first, the answer would be 400 "payload is not JSON" instead.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHmac, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { pullRequestPayload as payload, useGitHubApp } from '../../support/app-harness.js';
import { RecentDeliveries } from '../../../bot/server/deliveries.js';
import { MAX_BODY, WebhookServer, type PullRequestDelivery } from '../../../bot/server/server.js';
import { DOMCTL_COMMIT, pullState } from '../github/fixtures.js';

const SECRET = 'webhook-secret-for-security-tests';
const NOT_JSON = 'this is not JSON {';

const hmac = (algorithm: string, body: string | Buffer, secret = SECRET): string => createHmac(algorithm, secret).update(body).digest('hex');
const sign = (body: string | Buffer, secret = SECRET): string => `sha256=${hmac('sha256', body, secret)}`;

interface Answer {
  readonly status: number;
  readonly text: string;
  /** Bytes of the body the client had handed to the socket when the answer came. */
  readonly sent: number;
}

/**
 * One POST over its own connection with node:http (fetch would hide how the connection ends).
 * `body` is sent whole, or for a function, chunk by chunk until it returns null or the server
 * answers.
 */
function post(base: string, headers: Record<string, string>, body: Buffer | (() => Buffer | null)): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL('/api/github/webhooks', base);
    let sent = 0;
    let answered = false;
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path: url.pathname, headers: { 'content-type': 'application/json', ...headers }, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), sent });
        // An answer before the body ended: stop sending and hang up.
        req.destroy();
      });
      res.on('error', reject);
    });
    // Writing after the server closed its side ends in EPIPE/ECONNRESET on the request: that
    // is the server refusing the rest of the body, and the answer has already come.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (Buffer.isBuffer(body)) {
      sent = body.length;
      req.end(body);
      return;
    }
    const pump = (): void => {
      while (!answered && !req.destroyed) {
        const chunk = body();
        if (chunk === null) return void req.end();
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
    };
    pump();
  });
}

const prHeaders = (id: string | null, signature: Record<string, string>): Record<string, string> => ({
  'x-github-event': 'pull_request',
  ...(id === null ? {} : { 'x-github-delivery': id }),
  ...signature,
});

describe('the webhook endpoint refuses hostile deliveries before parsing them', () => {
  let server: WebhookServer;
  const seen: PullRequestDelivery[] = [];
  const log: string[] = [];
  const deliveries = new RecentDeliveries(50);
  beforeAll(async () => {
    server = await WebhookServer.create({ secret: SECRET, port: 0, onPullRequest: (d) => seen.push(d), log: (l) => log.push(l), deliveries });
  });
  afterAll(async () => server.close());
  afterEach(() => {
    seen.length = 0;
  });

  it('signatures in any other shape than sha256=<hex of this body> get 401', async () => {
    const body = Buffer.from(NOT_JSON);
    const cases: [string, Record<string, string>][] = [
      ['none at all', {}],
      ['SHA-1 only, correct (the legacy X-Hub-Signature)', { 'x-hub-signature': `sha1=${hmac('sha1', body)}` }],
      ['the SHA-1 digest under the sha256 header', { 'x-hub-signature-256': `sha1=${hmac('sha1', body)}` }],
      ['the right digest under another prefix', { 'x-hub-signature-256': `sha1=${hmac('sha256', body)}` }],
      ['the right digest without a prefix', { 'x-hub-signature-256': hmac('sha256', body) }],
      ['the right digest in upper case', { 'x-hub-signature-256': `sha256=${hmac('sha256', body).toUpperCase()}` }],
      ['a SHA-512 digest', { 'x-hub-signature-256': `sha256=${hmac('sha512', body)}` }],
      ['truncated', { 'x-hub-signature-256': sign(body).slice(0, 40) }],
      ['empty', { 'x-hub-signature-256': '' }],
      ['the wrong secret', { 'x-hub-signature-256': sign(body, 'guessed') }],
      ['signed with the secret as an empty key', { 'x-hub-signature-256': sign(body, '') }],
    ];
    for (const [what, signature] of cases) {
      const answer = await post(server.url, prHeaders(randomUUID(), signature), body);
      expect(answer.status, what).toBe(401);
    }
    // The right digest of an empty body does not open the door either.
    expect((await post(server.url, prHeaders(randomUUID(), { 'x-hub-signature-256': sign('') }), Buffer.alloc(0))).status).toBe(401);
    expect(seen).toEqual([]);
    // A rejected delivery is not remembered: only accepted ones are.
    expect(deliveries.size).toBe(0);
    expect(log.filter((l) => /rejected delivery .*: (no|bad) signature/.test(l))).toHaveLength(cases.length + 1);
  });

  it('a replayed delivery (same ID, valid signature) gets 409 before its body is parsed; a new ID is needed', async () => {
    const id = randomUUID();
    const body = payload(5, 'opened', 'c3'.repeat(20), 1);
    expect((await post(server.url, prHeaders(id, { 'x-hub-signature-256': sign(body) }), Buffer.from(body))).status).toBe(202);
    expect(seen.map((d) => d.id)).toEqual([id]);
    // Sent again as captured, and again with any other signed body: 409, not parsed.
    const replay = await post(server.url, prHeaders(id, { 'x-hub-signature-256': sign(body) }), Buffer.from(body));
    expect(replay).toMatchObject({ status: 409, text: 'delivery already received\n' });
    expect((await post(server.url, prHeaders(id, { 'x-hub-signature-256': sign(NOT_JSON) }), Buffer.from(NOT_JSON))).status).toBe(409);
    // The ID is checked only once the signature holds: an unsigned request learns nothing.
    expect((await post(server.url, prHeaders(id, {}), Buffer.from(body))).status).toBe(401);
    expect(seen).toHaveLength(1);
    expect(log).toContain(`rejected delivery ${id}: already received (a replay, or a redelivery of a delivery that was handled)`);
    // A signed non-JSON body with a fresh ID reaches the parser, and is not remembered.
    const fresh = randomUUID();
    expect((await post(server.url, prHeaders(fresh, { 'x-hub-signature-256': sign(NOT_JSON) }), Buffer.from(NOT_JSON))).status).toBe(400);
    expect(deliveries.has(fresh)).toBe(false);
  });

  it('copies of one delivery sent at the same time: exactly one is accepted', async () => {
    const id = randomUUID();
    const body = payload(6, 'synchronize', 'd4'.repeat(20), 1);
    const answers = await Promise.all(Array.from({ length: 12 }, () => post(server.url, prHeaders(id, { 'x-hub-signature-256': sign(body) }), Buffer.from(body))));
    expect(answers.map((a) => a.status).sort()).toEqual([202, ...Array<number>(11).fill(409)]);
    expect(seen.map((d) => d.id)).toEqual([id]);
  });

  it('a signed delivery without a usable X-GitHub-Delivery ID gets 400 (it could be replayed at will)', async () => {
    const body = payload(7, 'opened', 'e5'.repeat(20), 1);
    for (const id of [null, '', 'x'.repeat(129), 'two words', 'semi;colon', 'ünïcode']) {
      const headers = prHeaders(null, { 'x-hub-signature-256': sign(body) });
      if (id !== null) headers['x-github-delivery'] = id;
      const answer = await post(server.url, headers, Buffer.from(body));
      expect(answer.status, String(id)).toBe(400);
    }
    expect(seen).toEqual([]);
    expect(log.filter((l) => l.startsWith('rejected a signed delivery:'))).toHaveLength(6);
    // Whatever came in the header, only the safe shape is ever logged.
    expect(log.join('\n')).not.toMatch(/two words|semi;colon|x{129}/);
  });

  it('remembers a bounded number of IDs, forgetting the oldest first', () => {
    const recent = new RecentDeliveries(3);
    for (const id of ['a', 'b', 'c']) expect(recent.add(id)).toBe(true);
    expect(recent.add('b')).toBe(false);
    expect(recent.add('d')).toBe(true);
    expect([recent.has('a'), recent.has('b'), recent.has('c'), recent.has('d'), recent.size]).toEqual([false, true, true, true, 3]);
    recent.forget('c');
    expect([recent.has('c'), recent.size]).toEqual([false, 2]);
    expect(() => new RecentDeliveries(0)).toThrow(RangeError);
    // The server's own set was given a capacity of 50 above and never holds more.
    expect(deliveries.size).toBeLessThanOrEqual(50);
  });

  it('a body over 25 MB declared in Content-Length: 413 before the body is read, connection closed, server fine', async () => {
    const body = Buffer.alloc(MAX_BODY + 1, 0x20);
    const id = randomUUID();
    const answer = await post(server.url, prHeaders(id, { 'x-hub-signature-256': sign(body) }), body);
    expect(answer).toMatchObject({ status: 413, text: 'payload too large\n' });
    expect(log).toContain(`rejected delivery ${id}: body over ${MAX_BODY} bytes`);
    expect(seen).toEqual([]);
    expect(deliveries.has(id)).toBe(false);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 120_000);

  it('a chunked body that never ends: 413 once past 25 MB, and the server stops reading', async () => {
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const answer = await post(server.url, prHeaders(randomUUID(), { 'x-hub-signature-256': sign('whatever') }), () => chunk);
    expect(answer.status).toBe(413);
    // What the client got out before the answer: the cap plus what sockets buffer, not more.
    expect(answer.sent).toBeGreaterThan(MAX_BODY);
    expect(answer.sent).toBeLessThan(MAX_BODY + 16 * 1024 * 1024);
    expect(seen).toEqual([]);
    // The server goes on serving: a good delivery after it is accepted.
    const body = payload(8, 'opened', 'f6'.repeat(20), 1);
    expect((await post(server.url, prHeaders(randomUUID(), { 'x-hub-signature-256': sign(body) }), Buffer.from(body))).status).toBe(202);
    expect(seen).toHaveLength(1);
  }, 120_000);

  it('a client that ignores the 413 and sends on is cut off after 4 MB more', async () => {
    const url = new URL(server.url);
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const { sent, reply } = await new Promise<{ sent: number; reply: string }>((resolve) => {
      const socket = connect(Number(url.port), url.hostname);
      let sent = 0;
      let reply = '';
      socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ sent, reply }));
      socket.write(`POST /api/github/webhooks HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nX-GitHub-Event: pull_request\r\nX-GitHub-Delivery: ${randomUUID()}\r\nX-Hub-Signature-256: ${sign('x')}\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const pump = (): void => {
        while (!socket.destroyed) {
          sent += chunk.length;
          if (!socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString('latin1')}\r\n`, 'latin1')) return void socket.once('drain', pump);
        }
      };
      pump();
    });
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
    expect(sent).toBeLessThan(MAX_BODY + 4 * 1024 * 1024 + 16 * 1024 * 1024);
    expect(seen).toEqual([]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 120_000);

  it('a body of exactly 25 MB is not too large: it is verified and parsed (400: not JSON)', async () => {
    const body = Buffer.alloc(MAX_BODY, 0x7b);
    const answer = await post(server.url, prHeaders(randomUUID(), { 'x-hub-signature-256': sign(body) }), body);
    expect(answer).toMatchObject({ status: 400, text: 'payload is not JSON\n' });
  }, 120_000);
});

describe('the App: a replay makes no second review', () => {
  const APP_ID = 5151;
  const INSTALLATION = 88;
  const { fake, app, log } = useGitHubApp({ appId: APP_ID, installationId: INSTALLATION, webhookSecret: SECRET });

  it('the captured delivery sent again is refused and GitHub is not asked anything more', async () => {
    const sha = '1a'.repeat(20);
    fake.setPull('xen-project', 'xen', 41, pullState(sha, 'altp2m via domctl', [DOMCTL_COMMIT]));
    const body = payload(41, 'opened', sha, INSTALLATION);
    const id = randomUUID();
    expect((await post(app.url, prHeaders(id, { 'x-hub-signature-256': sign(body) }), Buffer.from(body))).status).toBe(202);
    await app.idle();
    expect(fake.reviews('xen-project', 'xen', 41)).toHaveLength(1);
    const requests = fake.log.length;
    for (let i = 0; i < 3; i++) expect((await post(app.url, prHeaders(id, { 'x-hub-signature-256': sign(body) }), Buffer.from(body))).status).toBe(409);
    await app.idle();
    expect(fake.log.length).toBe(requests);
    expect(fake.reviews('xen-project', 'xen', 41)).toHaveLength(1);
    // The ID header is not signed, so a replay under a made-up ID gets through the door; the
    // head marker on the PR is what keeps it from making a second review.
    expect((await post(app.url, prHeaders(randomUUID(), { 'x-hub-signature-256': sign(body) }), Buffer.from(body))).status).toBe(202);
    await app.idle();
    expect(fake.reviews('xen-project', 'xen', 41)).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  }, 240_000);

  it('a delivery whose review failed is forgotten, so GitHub\'s redelivery (same ID) is handled', async () => {
    const sha = '2b'.repeat(20);
    fake.setPull('xen-project', 'xen', 42, pullState(sha, 'altp2m via domctl', [DOMCTL_COMMIT]));
    fake.inject({ method: 'GET', path: /\/pulls\/42$/, status: 404 });
    const body = payload(42, 'opened', sha, INSTALLATION);
    const id = randomUUID();
    expect((await post(app.url, prHeaders(id, { 'x-hub-signature-256': sign(body) }), Buffer.from(body))).status).toBe(202);
    await app.idle();
    expect(log.some((l) => l.startsWith('review of xen-project/xen#42 failed:'))).toBe(true);
    expect(fake.reviews('xen-project', 'xen', 42)).toEqual([]);
    expect((await post(app.url, prHeaders(id, { 'x-hub-signature-256': sign(body) }), Buffer.from(body))).status).toBe(202);
    await app.idle();
    expect(fake.reviews('xen-project', 'xen', 42)).toHaveLength(1);
    // Handled now, so the same ID again is a replay.
    expect((await post(app.url, prHeaders(id, { 'x-hub-signature-256': sign(body) }), Buffer.from(body))).status).toBe(409);
  }, 240_000);
});
