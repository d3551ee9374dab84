import { createAppAuth } from '@octokit/auth-app';
import type { Config } from '../../src/engine/config.js';
import type { Severity } from '../../src/engine/finding.js';
import type { RulePack } from '../../src/engine/rule.js';
import { createGitHubClient, type GitHubClient } from '../github/client.js';
import { reviewPullRequest } from '../github/review-pr.js';
import { RecentDeliveries } from './deliveries.js';
import { KeyedQueue } from './queue.js';
import { WebhookServer, type PullRequestDelivery } from './server.js';

export interface AppOptions {
  readonly appId: string;
  /** The App's private key (PEM). */
  readonly privateKey: string;
  readonly webhookSecret: string;
  readonly baseUrl?: string;
  readonly port: number;
  readonly host?: string;
  readonly pack: RulePack;
  readonly config: Config;
  readonly failOn: Severity | 'never';
  readonly log: (line: string) => void;
  /** See ClientOptions.waitUnitMs; tests shorten retry waits with it. */
  readonly waitUnitMs?: number;
  /** See ClientOptions.throttle; tests space writes closer with it. */
  readonly throttle?: Readonly<Record<string, unknown>>;
}

/**
 * The rate-limit settings of one installation's client. @octokit/plugin-throttling keeps one
 * write queue (one write at a time, a second apart) per throttling id, "no-id" by default, so
 * every installation of the App shared one: a burst of reviews for one organisation held up
 * every other's. GitHub counts secondary limits per installation token; so does this.
 */
export function installationThrottle(installationId: number, extra?: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { id: `patchsentry-installation-${installationId}`, ...extra };
}

/** The GitHub App: webhook server + per-PR queue + installation clients. */
export class PatchsentryApp {
  private constructor(
    private readonly server: WebhookServer,
    private readonly queue: KeyedQueue,
  ) {}

  get url(): string {
    return this.server.url;
  }

  static async start(options: AppOptions): Promise<PatchsentryApp> {
    const clients = new Map<number, GitHubClient>();
    const clientFor = (installationId: number): GitHubClient => {
      let client = clients.get(installationId);
      if (!client) {
        client = createGitHubClient({
          authStrategy: createAppAuth,
          auth: { appId: options.appId, privateKey: options.privateKey, installationId },
          ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
          ...(options.waitUnitMs === undefined ? {} : { waitUnitMs: options.waitUnitMs }),
          throttle: installationThrottle(installationId, options.throttle),
          log: options.log,
        });
        clients.set(installationId, client);
      }
      return client;
    };
    const deliveries = new RecentDeliveries();
    const queue = new KeyedQueue((key, error) => options.log(`review of ${key} failed: ${error instanceof Error ? error.message : String(error)}`));
    const onPullRequest = (d: PullRequestDelivery): void => {
      const key = `${d.owner}/${d.repo}#${d.number}`;
      if (d.draft) return options.log(`delivery ${d.id}: ${key} is a draft; waiting for ready_for_review`);
      if (d.installationId === undefined) return options.log(`delivery ${d.id}: no installation in the payload; ignored`);
      const installationId = d.installationId;
      const queued = queue.run(key, `${key}@${d.headSha}`, async () => {
        try {
          await reviewPullRequest({
            client: clientFor(installationId),
            ref: { owner: d.owner, repo: d.repo, number: d.number },
            pack: options.pack,
            config: options.config,
            mode: 'review',
            failOn: options.failOn,
            // An App has no job log to annotate: on a 403 the log line of publish() is all there is.
            fallback: { write: () => undefined },
            log: options.log,
          });
        } catch (error) {
          // GitHub saw a 202 and will not retry; a redelivery by hand (same ID) must get through.
          deliveries.forget(d.id);
          throw error;
        }
      });
      options.log(`delivery ${d.id}: pull_request.${d.action} ${key} at ${d.headSha.slice(0, 12)} ${queued ? 'queued' : 'already queued for this head'}`);
    };
    const server = await WebhookServer.create({
      secret: options.webhookSecret,
      port: options.port,
      ...(options.host ? { host: options.host } : {}),
      onPullRequest,
      log: options.log,
      deliveries,
    });
    return new PatchsentryApp(server, queue);
  }

  /** Waits for queued reviews (tests, graceful shutdown). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async close(): Promise<void> {
    await this.server.close();
    await this.queue.idle();
  }
}
