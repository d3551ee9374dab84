// Secrets never reach a log or an error message (docs/reliability.md). Every run below is the
// real thing — the built CLI or the committed Action bundle as a process, against a real SMTP
// server, a real Dovecot, the fake GitHub — made to fail in a way that involves a password, a
// token, a private key or a webhook secret. All of stdout and stderr is captured and searched
// for every form of every secret (as given, percent-encoded, base64, hex, and the AUTH PLAIN /
// Basic wire forms), while the output must still say what failed. Independent runs go
// concurrently (each has its own server, state file or pull request); the App's ones do not,
// since they re-register the App's key on the shared fake GitHub.
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../support/github-server.js';
import { useDovecot } from '../support/dovecot.js';
import { fixture } from '../bot/mail/support/messages.js';
import { DOMCTL_COMMIT, pullState } from '../bot/github/fixtures.js';
import { ACTION, cli, closedPort, everything, expectNoSecret, Proc, runNode, secretForms, STACK, BIN, type Run } from './support.js';

// A password with every character a URL has to encode, and a marker that shows a partial leak.
const PASS = 'S3CRET/p@ss w0rd%!';
const USER = 'bot@example.org';
const smtpUrl = (port: number, pass = PASS): string => `smtp://${encodeURIComponent(USER)}:${encodeURIComponent(pass)}@127.0.0.1:${port}`;
const PASS_FORMS = [...secretForms(PASS, USER), 'S3CRET'];
const PATCH = fixture('domctl-violation.patch');

let dir: string;
let n = 0;
const state = (): string => join(dir, `state-${++n}.db`);
const env = (extra: Record<string, string> = {}): Record<string, string> => ({ HOME: dir, ...extra });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ps-secrets-'));
}, 480_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** No secret anywhere, no stack trace; returns everything printed for further checks. */
function clean(run: Run, secrets: readonly string[]): string {
  const text = everything(run);
  expectNoSecret(text, secrets);
  expect(text).not.toMatch(STACK);
  return text;
}

/** A real SMTP server (smtp-server) on 127.0.0.1 that refuses every login. */
async function refusingSmtp(methods: string[], answer: (user: string, pass: string) => string): Promise<{ port: number; attempts: string[]; stop: () => Promise<void> }> {
  const attempts: string[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authMethods: methods,
    allowInsecureAuth: true,
    logger: false,
    onAuth(credentials, _session, callback) {
      attempts.push(`${credentials.method} ${credentials.username ?? ''}`);
      callback(new Error(answer(credentials.username ?? '', credentials.password ?? '')));
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, attempts, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe.concurrent('the SMTP password (patchsentry mail)', () => {
  it('server down: the failure names the connection, the URL is shown as user:***', async () => {
    const port = await closedPort();
    const run = await cli(['mail', '--smtp', smtpUrl(port), '--state', state()], { env: env(), stdin: PATCH });
    expect(run.code).toBe(0); // stored: the reply waits in the outbox
    const text = clean(run, PASS_FORMS);
    expect(text).toContain(`sending through smtp://${encodeURIComponent(USER)}:***@127.0.0.1:${port}`);
    expect(text).toMatch(new RegExp(`send failed for <[^>]+>, kept in the outbox for a later run: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
  });

  for (const method of ['PLAIN', 'LOGIN']) {
    it(`the server refuses the password (AUTH ${method}): "Invalid login" and the server's answer, no password`, async () => {
      const smtp = await refusingSmtp([method], () => 'Authentication credentials invalid');
      try {
        const run = await cli(['mail', '--smtp', smtpUrl(smtp.port), '--state', state()], { env: env(), stdin: PATCH });
        expect(run.code).toBe(0);
        expect(smtp.attempts).toEqual([`${method} ${USER}`]);
        const text = clean(run, PASS_FORMS);
        expect(text).toMatch(/send failed for <[^>]+>, kept in the outbox for a later run: Invalid login: 535 Authentication credentials invalid/);
      } finally {
        await smtp.stop();
      }
    });
  }

  it('a careless server that echoes the credentials in its refusal (as given and base64): redacted', async () => {
    const smtp = await refusingSmtp(['PLAIN'], (user, pass) => `no such login ${pass} (${Buffer.from(`\0${user}\0${pass}`).toString('base64')}, ${Buffer.from(pass).toString('base64')})`);
    try {
      const run = await cli(['mail', '--smtp', smtpUrl(smtp.port), '--state', state()], { env: env(), stdin: PATCH });
      expect(run.code).toBe(0);
      expect(smtp.attempts).toHaveLength(1);
      const text = clean(run, PASS_FORMS);
      expect(text).toMatch(/send failed for <[^>]+>, kept in the outbox for a later run: Invalid login: 535 no such login \*\*\*/);
    } finally {
      await smtp.stop();
    }
  });

  it('--smtp env ($PATCHSENTRY_SMTP_URL) and --smtp @FILE: the same, and the URL never echoed', async () => {
    const smtp = await refusingSmtp(['PLAIN', 'LOGIN'], () => 'Authentication credentials invalid');
    try {
      const file = join(dir, 'smtp-url');
      writeFileSync(file, `${smtpUrl(smtp.port)}\n`, { mode: 0o600 });
      const fromEnv = await cli(['mail', '--smtp', 'env', '--state', state()], { env: env({ PATCHSENTRY_SMTP_URL: smtpUrl(smtp.port) }), stdin: PATCH });
      const fromFile = await cli(['mail', '--smtp', `@${file}`, '--state', state()], { env: env(), stdin: PATCH });
      for (const run of [fromEnv, fromFile]) {
        expect(run.code).toBe(0);
        expect(clean(run, PASS_FORMS)).toMatch(/sending through smtp:\/\/bot%40example\.org:\*\*\*@127\.0\.0\.1:\d+[\s\S]*send failed .*Invalid login: 535/);
      }
      expect(smtp.attempts).toHaveLength(2);
    } finally {
      await smtp.stop();
    }
  });

  it('a URL that does not parse is refused by name (exit 2) without echoing it, from argv, env or a file', async () => {
    // The third has no scheme: URL reads "bot:" as one and the password as a path.
    const bad = [`smtp://bot:${PASS}@[::1`, `smtp://bot:${encodeURIComponent(PASS)}@127.0.0.1:99999`, `bot:${PASS}@127.0.0.1`, `http://bot:${encodeURIComponent(PASS)}@127.0.0.1`, `smtp://bot:${encodeURIComponent(PASS)}@exa mple.org`];
    const file = join(dir, 'bad-url');
    for (const url of bad) {
      writeFileSync(file, `${url}\n`);
      const runs = await Promise.all([
        cli(['mail', '--smtp', url, '--state', state()], { env: env(), stdin: PATCH }),
        cli(['mail', '--smtp', 'env', '--state', state()], { env: env({ PATCHSENTRY_SMTP_URL: url }), stdin: PATCH }),
        cli(['mail', '--smtp', `@${file}`, '--state', state()], { env: env(), stdin: PATCH }),
      ]);
      for (const run of runs) {
        expect([run.code, run.stdout], url).toEqual([2, '']);
        expect(clean(run, PASS_FORMS).trim(), url).toMatch(/^patchsentry: --smtp: not a valid URL( \(expected smtp:\/\/HOST or smtps:\/\/HOST\))?$/);
      }
    }
  });

  it('a password with a malformed %-escape (which URL lets through) is still redacted, not a crash', async () => {
    const port = await closedPort();
    const run = await cli(['mail', '--smtp', `smtp://bot:S3CRET%zz@127.0.0.1:${port}`, '--state', state()], { env: env(), stdin: PATCH });
    expect(run.code).toBe(0);
    expect(clean(run, ['S3CRET'])).toMatch(/sending through smtp:\/\/bot:\*\*\*@127\.0\.0\.1:\d+[\s\S]*send failed .*ECONNREFUSED/);
  });

  it('a missing @FILE is named, its path shown (a path is no secret); 75, so an MTA keeps the mail', async () => {
    const run = await cli(['mail', '--smtp', `@${join(dir, 'nope')}`, '--state', state()], { env: env(), stdin: PATCH });
    expect(run.code).toBe(75);
    expect(clean(run, PASS_FORMS)).toContain(`--smtp: cannot read ${join(dir, 'nope')}: ENOENT`);
  });
});

describe.concurrent('the IMAP password (patchsentry watch --imap)', () => {
  const dovecot = useDovecot();
  const imapUrl = (port: number, pass: string, box = 'INBOX'): string => `imap://${encodeURIComponent(dovecot.user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}/${box}`;

  it('server down: exit 2 naming the connection, no password', async () => {
    const port = await closedPort();
    const run = await cli(['watch', '--imap', imapUrl(port, PASS), '--state', state()], { env: env() });
    expect(run.code).toBe(2);
    expect(clean(run, PASS_FORMS)).toMatch(new RegExp(`patchsentry: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
  });

  it('Dovecot refuses the password: exit 2 saying authentication failed, no password', async () => {
    const run = await cli(['watch', '--imap', 'env', '--state', state()], { env: env({ PATCHSENTRY_IMAP_URL: imapUrl(dovecot.port, PASS) }), timeoutMs: 120_000 });
    expect(run.code).toBe(2);
    // Named as the server put it, not imapflow's bare "Command failed".
    expect(clean(run, PASS_FORMS)).toMatch(/patchsentry: IMAP imap:\/\/bot:\*\*\*@127\.0\.0\.1:\d+\/INBOX: .*Authentication failed/);
  }, 120_000);

  it('the right password and a mailbox that does not exist: exit 2 naming the failure, the real password nowhere', async () => {
    const real = [...secretForms(dovecot.password, dovecot.user)];
    // Ends by itself: the connection left open after the failed SELECT must not hold it up.
    const run = await cli(['watch', '--imap', imapUrl(dovecot.port, dovecot.password, 'NoSuchBox'), '--smtp', smtpUrl(await closedPort()), '--state', state()], { env: env(), timeoutMs: 120_000 });
    expect([run.code, run.signal]).toEqual([2, null]);
    const text = clean(run, [...real, ...PASS_FORMS]);
    expect(text).toMatch(/patchsentry: IMAP imap:\/\/bot:\*\*\*@127\.0\.0\.1:\d+\/NoSuchBox: .*NoSuchBox/);
    expect(text).toContain('sending through smtp://bot%40example.org:***@127.0.0.1:');
  }, 120_000);

  it('a URL that does not parse is refused by name without echoing it', async () => {
    const run = await cli(['watch', '--imap', `imap://bot:${PASS}@127.0.0.1:99999/INBOX`, '--state', state()], { env: env() });
    expect(run.code).toBe(2);
    expect(clean(run, PASS_FORMS).trim()).toBe('patchsentry: --imap: not a valid URL');
    const noScheme = await cli(['watch', '--imap', `bot:${PASS}@127.0.0.1/INBOX`, '--state', state()], { env: env() });
    expect(noScheme.code).toBe(2);
    expect(clean(noScheme, PASS_FORMS).trim()).toBe('patchsentry: --imap: not a valid URL (expected imap://HOST or imaps://HOST)');
  });
});

describe('GitHub tokens, the App private key and the webhook secret', () => {
  let fake: FakeGitHub;
  const TOKEN = 'ghp_S3CRETt0kenForTheCli0000000000000000';
  const UNKNOWN = 'ghp_S3CRETunknownToTheFakeGitHub00000000';
  const tokenForms = [...secretForms(TOKEN, 'x-access-token'), ...secretForms(UNKNOWN, 'x-access-token')];
  beforeAll(async () => {
    fake = await FakeGitHub.start();
    fake.addToken(TOKEN);
    for (const number of [41, 42, 43, 44, 51, 52, 53, 61, 62, 63]) fake.setPull('xen-project', 'xen', number, pullState(String(number).repeat(20), 'altp2m via domctl', [DOMCTL_COMMIT]));
  });
  afterAll(async () => {
    await fake?.close();
  });

  describe.concurrent('patchsentry github', () => {
    it('an unknown token (401 Bad credentials): exit 2 naming the call and the answer', async () => {
      const run = await cli(['github', '--repo', 'xen-project/xen', '--pr', '41'], { env: env({ GITHUB_TOKEN: UNKNOWN, GITHUB_API_URL: fake.url }) });
      expect(run.code).toBe(2);
      expect(clean(run, tokenForms)).toMatch(/patchsentry: fetching the pull request: Bad credentials/);
    });

    it('GH_TOKEN and a 403 on the read: exit 2 naming the call', async () => {
      fake.inject({ method: 'GET', path: /\/pulls\/42$/, status: 403, body: { message: 'Resource not accessible by integration' } });
      const run = await cli(['github', '--repo', 'xen-project/xen', '--pr', '42', '--dry-run'], { env: env({ GH_TOKEN: TOKEN, GITHUB_API_URL: fake.url }) });
      expect(run.code).toBe(2);
      expect(clean(run, tokenForms)).toMatch(/patchsentry: fetching the pull request: Resource not accessible by integration/);
    });

    it('a refused write (422 on the check run): exit 2 naming the step', async () => {
      fake.inject({ method: 'POST', path: /\/check-runs$/, status: 422, body: { message: 'Unprocessable Entity' } });
      const run = await cli(['github', '--repo', 'xen-project/xen', '--pr', '43'], { env: env({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: fake.url }) });
      expect(run.code).toBe(2);
      expect(clean(run, tokenForms)).toMatch(/patchsentry: posting to the pull request: Unprocessable Entity/);
    });

    it('a GITHUB_API_URL that carries a user and password, or does not parse: refused by name, not echoed', async () => {
      const url = new URL(fake.url);
      url.username = 'proxyuser';
      url.password = encodeURIComponent(PASS);
      // fetch would refuse both and quote the URL whole in its error.
      for (const [api, reason] of [
        [url.href, 'GITHUB_API_URL: the URL carries a user name or password'],
        [`http://proxyuser:${encodeURIComponent(PASS)}@127.0.0.1:99999`, 'GITHUB_API_URL: not a valid URL'],
      ] as const) {
        const run = await cli(['github', '--repo', 'xen-project/xen', '--pr', '44', '--dry-run'], { env: env({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: api }) });
        expect(run.code).toBe(2);
        expect(clean(run, [...tokenForms, ...PASS_FORMS])).toContain(`patchsentry: ${reason}`);
      }
      expect(fake.log.filter((r) => r.path.endsWith('/pulls/44'))).toEqual([]);
    });
  });

  describe('patchsentry serve (the App)', () => {
    const APP_ID = 4343;
    const INSTALLATION = 88;
    const WEBHOOK_SECRET = 'whsec_S3CRETwebhook-secret-value';
    const pem = (): string => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    /** Every line of the key's body, and the body whole: any of them printed is a leak. */
    const pemForms = (key: string): string[] => {
      const body = key.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
      return [...body, body.join(''), body.join('\\n')];
    };
    // A JWT (`eyJ` is base64 of `{"`) or an installation token in a log is a usable credential.
    const CREDENTIALS = ['eyJhbGciOi', 'ghs_fake'];

    const payload = (number: number): string =>
      JSON.stringify({
        action: 'opened',
        number,
        pull_request: { number, draft: false, head: { sha: String(number).repeat(20), ref: 'topic' }, base: { sha: '0'.repeat(40), ref: 'staging' } },
        repository: { name: 'xen', full_name: 'xen-project/xen', owner: { login: 'xen-project' } },
        installation: { id: INSTALLATION },
      });
    async function deliver(url: string, body: string, secret: string): Promise<number> {
      const res = await fetch(`${url}/api/github/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': `d-${Math.random()}`, 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
        body,
      });
      return res.status;
    }
    function serve(privateKey: string): Proc {
      return new Proc(BIN, ['serve', '--port', '0', '--host', '127.0.0.1'], {
        env: env({ GITHUB_APP_ID: String(APP_ID), GITHUB_PRIVATE_KEY: privateKey, GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET, GITHUB_API_URL: fake.url }),
      });
    }

    it('a key GitHub does not accept (401 on the installation token): the failure is logged, no key, JWT or secret', async () => {
      const key = pem();
      fake.registerApp({ appId: APP_ID, publicKeyPem: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(), installationId: INSTALLATION });
      // As env files often hold it: one line with \n escapes.
      const app = serve(key.replace(/\n/g, '\\n'));
      try {
        const [, url] = await app.waitFor(/listening on (http:\/\/\S+) /);
        expect(await deliver(url!, payload(51), 'not-the-secret')).toBe(401);
        expect(await deliver(url!, payload(51), WEBHOOK_SECRET)).toBe(202);
        await app.waitFor(/review of xen-project\/xen#51 failed: .+/);
      } finally {
        const run = await app.stop();
        const text = clean(run, [...pemForms(key), ...secretForms(WEBHOOK_SECRET), ...CREDENTIALS]);
        expect(text).toMatch(/rejected delivery d-\S+: bad signature/);
        expect(text).toMatch(/review of xen-project\/xen#51 failed: .*(JSON web token|401)/);
      }
      expect(fake.reviews('xen-project', 'xen', 51)).toEqual([]);
    });

    it('the right key: the review is posted and neither the key, the JWT nor the installation token is logged', async () => {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const key = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      fake.registerApp({ appId: APP_ID, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), installationId: INSTALLATION });
      const file = join(dir, 'app.pem');
      writeFileSync(file, key, { mode: 0o600 });
      const app = serve(file); // a path to the .pem this time
      try {
        const [, url] = await app.waitFor(/listening on (http:\/\/\S+) /);
        expect(await deliver(url!, payload(52), WEBHOOK_SECRET)).toBe(202);
        await app.waitFor(/posted a review on 5252/);
      } finally {
        clean(await app.stop(), [...pemForms(key), ...secretForms(WEBHOOK_SECRET), ...CREDENTIALS]);
      }
      expect(fake.reviews('xen-project', 'xen', 52)).toHaveLength(1);
    });

    it('a PEM whose body is damaged: the failure is logged, not the body', async () => {
      const damaged = '-----BEGIN PRIVATE KEY-----\nS3CRETdamagedKeyBodyS3CRETdamagedKeyBodyS3CRETdamagedKeyBody0000\n-----END PRIVATE KEY-----\n';
      const app = serve(damaged);
      try {
        const [, url] = await app.waitFor(/listening on (http:\/\/\S+) /);
        expect(await deliver(url!, payload(53), WEBHOOK_SECRET)).toBe(202);
        await app.waitFor(/review of xen-project\/xen#53 failed: .+/);
      } finally {
        clean(await app.stop(), ['S3CRETdamaged', ...secretForms(WEBHOOK_SECRET), ...CREDENTIALS]);
      }
    });

    it('GITHUB_PRIVATE_KEY that is neither a PEM nor a file (e.g. the key base64-encoded): exit 2 naming the variable, not its value', async () => {
      const key = Buffer.from(pem()).toString('base64');
      const run = await runNode(BIN, ['serve', '--port', '0', '--host', '127.0.0.1'], {
        env: env({ GITHUB_APP_ID: String(APP_ID), GITHUB_PRIVATE_KEY: key, GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET, GITHUB_API_URL: fake.url }),
        timeoutMs: 120_000,
      });
      expect(run.code).toBe(2);
      const text = clean(run, [key, key.slice(0, 40), key.slice(-40), ...secretForms(WEBHOOK_SECRET)]);
      expect(text).toMatch(/^patchsentry: GITHUB_PRIVATE_KEY: .+/m);
    });
  });

  describe.concurrent('the Action bundle (INPUT_GITHUB-TOKEN)', () => {
    /** Runs action/dist/index.js as the runner does: env in, workflow commands on stdout. */
    async function action(number: number, token: string): Promise<Run> {
      const work = mkdtempSync(join(dir, 'action-'));
      const event = join(work, 'event.json');
      writeFileSync(event, JSON.stringify({ action: 'synchronize', number, pull_request: { number }, repository: { full_name: 'xen-project/xen' } }));
      writeFileSync(join(work, 'output'), '');
      writeFileSync(join(work, 'summary'), '');
      return runNode(ACTION, [], {
        cwd: work,
        env: {
          GITHUB_ACTIONS: 'true',
          GITHUB_EVENT_NAME: 'pull_request',
          GITHUB_EVENT_PATH: event,
          GITHUB_REPOSITORY: 'xen-project/xen',
          GITHUB_API_URL: fake.url,
          GITHUB_WORKSPACE: work,
          RUNNER_TEMP: work,
          GITHUB_OUTPUT: join(work, 'output'),
          GITHUB_STEP_SUMMARY: join(work, 'summary'),
          'INPUT_GITHUB-TOKEN': token,
          'INPUT_FAIL-ON': 'error',
          INPUT_MODE: 'review',
        },
      });
    }

    it('401 (a token GitHub does not know): ::error:: naming the call, no token', async () => {
      const run = await action(61, UNKNOWN);
      expect(run.code).toBe(2);
      expect(clean(run, tokenForms)).toMatch(/^::error::patchsentry: fetching the pull request: Bad credentials/m);
    });

    it('403 on the read: ::error:: naming the call, no token', async () => {
      fake.inject({ method: 'GET', path: /\/pulls\/62$/, status: 403, body: { message: 'Resource not accessible by integration' } });
      const run = await action(62, TOKEN);
      expect(run.code).toBe(2);
      expect(clean(run, tokenForms)).toMatch(/^::error::patchsentry: fetching the pull request: Resource not accessible by integration/m);
    });

    it('500 on every try (retried, then given up): ::error:: naming the call, no token', async () => {
      // The first try and the client's 3 retries.
      for (let i = 0; i < 4; i++) fake.inject({ method: 'GET', path: /\/pulls\/63$/, status: 500, body: { message: 'Server Error' } });
      const run = await action(63, TOKEN);
      expect(run.code).toBe(2);
      expect(clean(run, tokenForms)).toMatch(/^::error::patchsentry: fetching the pull request: Server Error/m);
      expect(fake.log.filter((r) => r.path === '/repos/xen-project/xen/pulls/63' && r.status === 500)).toHaveLength(4);
    }, 180_000);
  });
});
