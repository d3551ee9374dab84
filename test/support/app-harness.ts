/**
 * The setup the GitHub App tests share: a fake GitHub with the App registered on it under a fresh
 * key pair, and PatchsentryApp started against it (xen-altp2m pack, default config, failing on
 * errors), both before the tests of the file or describe block that calls it, closed after them.
 */
import { afterAll, beforeAll } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import type { FakeGitHub } from './github-server.js';
import { startedInHooks, useFakeGitHub } from './github-harness.js';
import { PatchsentryApp, type AppOptions } from '../../bot/server/app.js';
import { DEFAULT_CONFIG } from './pack.js';
import { xenAltp2m } from '../../rules/xen-altp2m/index.js';

export interface AppHarnessOptions {
  readonly appId: number;
  readonly installationId: number;
  readonly webhookSecret: string;
  /** Anything else for PatchsentryApp.start (e.g. throttle). */
  readonly extra?: Partial<AppOptions>;
}

export interface AppHarness {
  readonly fake: FakeGitHub;
  readonly app: PatchsentryApp;
  /** What the App logged. */
  readonly log: string[];
}

export function useGitHubApp(options: AppHarnessOptions): AppHarness {
  // Registered before the App's hooks: vitest runs afterAll hooks in reverse, so the App closes
  // before the fake it talks to.
  const fake = useFakeGitHub({});
  const log: string[] = [];
  let started: PatchsentryApp | undefined;
  beforeAll(async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    fake.registerApp({ appId: options.appId, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), installationId: options.installationId });
    started = await PatchsentryApp.start({
      appId: String(options.appId),
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      webhookSecret: options.webhookSecret,
      baseUrl: fake.url,
      port: 0,
      pack: xenAltp2m,
      config: DEFAULT_CONFIG,
      failOn: 'error',
      log: (l) => log.push(l),
      waitUnitMs: 5,
      ...options.extra,
    });
  });
  afterAll(async () => {
    await started?.close();
    started = undefined;
  });
  return { fake, app: startedInHooks(() => started, 'GitHub App'), log };
}

/** A `pull_request` webhook body for PR `number` of xen-project/xen at head `sha`, from `installation`. */
export function pullRequestPayload(number: number, action: string, sha: string, installation: number): string {
  return JSON.stringify({
    action,
    number,
    pull_request: { number, draft: false, head: { sha, ref: 'topic' }, base: { sha: '0'.repeat(40), ref: 'staging' } },
    repository: { name: 'xen', full_name: 'xen-project/xen', owner: { login: 'xen-project' } },
    installation: { id: installation },
  });
}
