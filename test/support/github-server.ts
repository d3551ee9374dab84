/**
 * A fake GitHub for integration tests: a real HTTP server on 127.0.0.1 that answers the REST
 * routes patchsentry uses from an in-memory store, and checks EVERY request against GitHub's
 * published OpenAPI description (@octokit/openapi): the route and method must exist, path and
 * query parameters and the JSON body must validate against the operation's schemas, and the
 * Accept header must be JSON or one of the custom media types the operation documents. A request
 * that fails gets a 4xx and is recorded in `violations`, which tests assert to be empty.
 */
// Request bodies are checked against GitHub's OpenAPI description before they are read here;
// String() of their fields is what GitHub would store.
/* eslint-disable @typescript-eslint/no-base-to-string */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createVerify } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { OpenApiValidator, type RouteMatch } from './github-openapi.js';

export interface StoredFile {
  readonly filename: string;
  readonly status: 'added' | 'removed' | 'modified' | 'renamed';
  readonly previous_filename?: string;
  readonly patch?: string;
  readonly additions: number;
  readonly deletions: number;
}

/** A pull request at one head: what the patch, diff and files routes answer. */
export interface PullState {
  readonly headSha: string;
  readonly title: string;
  readonly body?: string;
  readonly user?: string;
  /** The commits as GitHub's patch media type gives them (a format-patch mbox). */
  readonly patch: string;
  /** The whole diff, as the diff media type gives it. */
  readonly diff: string;
  readonly files: readonly StoredFile[];
  /** Answer 406 to the diff and patch media types, as GitHub does past 300 files. */
  readonly tooLarge?: boolean;
}

export interface StoredComment {
  id: number;
  body: string;
  path: string;
  line: number | null;
  side: string | null;
  start_line: number | null;
  start_side: string | null;
  commit_id: string;
  pull_request_review_id: number | null;
  in_reply_to_id?: number;
}
export interface StoredReview {
  id: number;
  body: string;
  commit_id: string;
  comments: StoredComment[];
}
export interface StoredCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  output: { title?: string; summary?: string };
  annotations: Record<string, unknown>[];
  updates: number;
}

export interface Fault {
  readonly method: string;
  readonly path: RegExp;
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

interface PullRecord {
  number: number;
  state: PullState;
  reviews: StoredReview[];
  comments: StoredComment[];
}

export interface AppRegistration {
  readonly appId: number;
  readonly publicKeyPem: string;
  readonly installationId: number;
}

export class FakeGitHub {
  readonly violations: string[] = [];
  readonly log: { method: string; path: string; status: number; accept: string }[] = [];
  readonly checkRuns: StoredCheckRun[] = [];
  private readonly pulls = new Map<string, PullRecord>();
  private readonly faults: Fault[] = [];
  private readonly tokens = new Map<string, 'write' | 'read'>();
  private nextId = 1000;
  private app: AppRegistration | null = null;
  private held: Promise<void> | null = null;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly openapi: OpenApiValidator,
  ) {}

  static async start(): Promise<FakeGitHub> {
    const openapi = OpenApiValidator.load();
    let handler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
    const server = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeGitHub(server, `http://127.0.0.1:${port}`, openapi);
    handler = (req, res) => void fake.handle(req, res);
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A token the API accepts; `read` ones get 403 on every write, like a fork PR's token. */
  addToken(token: string, access: 'write' | 'read' = 'write'): void {
    this.tokens.set(token, access);
  }

  registerApp(app: AppRegistration): void {
    this.app = app;
  }

  setPull(owner: string, repo: string, number: number, state: PullState): void {
    const key = `${owner}/${repo}#${number}`;
    const record = this.pulls.get(key);
    if (record) record.state = state;
    else this.pulls.set(key, { number, state, reviews: [], comments: [] });
  }

  reviews(owner: string, repo: string, number: number): StoredReview[] {
    return this.pulls.get(`${owner}/${repo}#${number}`)?.reviews ?? [];
  }

  comments(owner: string, repo: string, number: number): StoredComment[] {
    return this.pulls.get(`${owner}/${repo}#${number}`)?.comments ?? [];
  }

  /** The next matching request gets this answer instead (after it validated). */
  inject(fault: Fault): void {
    this.faults.push(fault);
  }

  /**
   * Holds every request that arrives from now on, unanswered, until the returned function is
   * called: a test can then see what a client does before GitHub has answered anything,
   * without guessing how long that takes.
   */
  hold(): () => void {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    this.held = held;
    return () => {
      if (this.held === held) this.held = null;
      release();
    };
  }

  private violation(text: string): void {
    this.violations.push(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.held) await this.held;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const accept = String(req.headers.accept ?? '');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      this.log.push({ method, path: url.pathname, status, accept });
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', ...headers });
      res.end(text);
    };
    const reject = (status: number, why: string): void => {
      this.violation(`${method} ${url.pathname}${url.search}: ${why}`);
      send(status, { message: why });
    };

    const route = this.openapi.match(method, url.pathname);
    if (!route) return reject(404, 'no such route in the OpenAPI description');
    const params = this.openapi.validate(route, url, raw, accept);
    if (typeof params === 'string') return reject(params.startsWith('Accept') ? 415 : 422, params);
    const fault = this.faults.findIndex((f) => f.method === method && f.path.test(url.pathname));
    if (fault >= 0) {
      const [f] = this.faults.splice(fault, 1);
      return send(f!.status, f!.body ?? { message: 'injected failure' }, f!.headers);
    }
    const body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);

    if (route.route.template === '/app/installations/{installation_id}/access_tokens') return this.accessToken(req, params, send);
    const token = /^(?:token|bearer) (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const access = token === undefined ? undefined : this.tokens.get(token);
    if (access === undefined) return send(401, { message: 'Bad credentials' });
    if (access === 'read' && method !== 'GET') return send(403, { message: 'Resource not accessible by integration', status: '403' });
    return this.answer(route, params, body, url, accept, send);
  }

  private accessToken(req: IncomingMessage, params: Record<string, string>, send: (s: number, b: unknown) => void): void {
    const jwt = /^bearer (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!this.app || !jwt || !verifyJwt(jwt, this.app.publicKeyPem, this.app.appId)) return send(401, { message: 'A JSON web token could not be decoded' });
    if (Number(params['installation_id']) !== this.app.installationId) return send(404, { message: 'Not Found' });
    const token = `ghs_fake${this.nextId++}`;
    this.addToken(token);
    send(201, { token, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: { pull_requests: 'write', checks: 'write', contents: 'read' }, repository_selection: 'all' });
  }

  private answer(found: RouteMatch, params: Record<string, string>, body: Record<string, unknown>, url: URL, accept: string, send: (s: number, b: unknown, h?: Record<string, string>) => void): void {
    const template = found.route.template;
    const method = found.route.method;
    if (template === '/repos/{owner}/{repo}/check-runs' && method === 'POST') {
      const run: StoredCheckRun = { id: this.nextId++, name: String(body['name']), head_sha: String(body['head_sha']), status: String(body['status'] ?? 'queued'), conclusion: null, output: {}, annotations: [], updates: 0 };
      this.checkRuns.push(run);
      return send(201, checkRunJson(run));
    }
    if (template === '/repos/{owner}/{repo}/check-runs/{check_run_id}' && method === 'PATCH') {
      const run = this.checkRuns.find((r) => r.id === Number(params['check_run_id']));
      if (!run) return send(404, { message: 'Not Found' });
      const output = (body['output'] ?? {}) as { title?: string; summary?: string; annotations?: Record<string, unknown>[] };
      run.updates++;
      if (body['status']) run.status = String(body['status']);
      if (body['conclusion']) run.conclusion = String(body['conclusion']);
      run.output = { title: output.title, summary: output.summary };
      run.annotations.push(...(output.annotations ?? []));
      return send(200, checkRunJson(run));
    }
    const pull = this.pulls.get(`${params['owner']}/${params['repo']}#${params['pull_number']}`);
    if (!pull) return send(404, { message: 'Not Found' });
    const state = pull.state;
    if (template === '/repos/{owner}/{repo}/pulls/{pull_number}' && method === 'GET') {
      const media = accept.split(',')[0]!.trim();
      if (/vnd\.github(\.v3)?\.(diff|patch)$/.test(media)) {
        if (state.tooLarge) return send(406, { message: 'Sorry, the diff exceeded the maximum number of files (300).', errors: [{ resource: 'PullRequest', field: 'diff', code: 'too_large' }], status: '406' });
        return send(200, media.endsWith('patch') ? state.patch : state.diff, { 'content-type': `${media}; charset=utf-8` });
      }
      return send(200, pullJson(pull, this.url, String(params['owner']), String(params['repo'])));
    }
    if (template.endsWith('/files')) return this.page(state.files, url, send);
    if (template === '/repos/{owner}/{repo}/pulls/{pull_number}/comments' && method === 'GET') return this.page(pull.comments, url, send);
    if (template === '/repos/{owner}/{repo}/pulls/{pull_number}/reviews' && method === 'GET') return this.page(pull.reviews.map(reviewJson), url, send);
    if (template === '/repos/{owner}/{repo}/pulls/{pull_number}/reviews' && method === 'POST') return this.createReview(pull, body, send);
    if (template.endsWith('/replies')) {
      const parent = pull.comments.find((c) => c.id === Number(params['comment_id']));
      if (!parent) return send(404, { message: 'Not Found' });
      const reply: StoredComment = { ...parent, id: this.nextId++, body: String(body['body']), in_reply_to_id: parent.id, commit_id: state.headSha };
      pull.comments.push(reply);
      return send(201, reply);
    }
    this.violation(`${method} ${url.pathname}: valid, but this fake does not serve it`);
    send(501, { message: 'not implemented by the fake' });
  }

  /** GitHub's rules for review comments: on a line of the diff, else 422 for the whole review. */
  private createReview(pull: PullRecord, body: Record<string, unknown>, send: (s: number, b: unknown) => void): void {
    const lines = commentableLines(pull.state.diff === '' ? diffOfFiles(pull.state.files) : pull.state.diff);
    const comments = (body['comments'] ?? []) as Record<string, unknown>[];
    for (const c of comments) {
      if (c['position'] !== undefined) this.violation('review comment uses the deprecated "position"');
      const side = String(c['side'] ?? 'RIGHT');
      const ok = (line: unknown, s: string): boolean => lines.has(`${String(c['path'])}:${s}:${String(line)}`);
      if (!ok(c['line'], side) || (c['start_line'] !== undefined && !ok(c['start_line'], String(c['start_side'] ?? side)))) {
        return send(422, { message: 'Unprocessable Entity', errors: ['Line could not be resolved'], status: '422' });
      }
    }
    if (String(body['body'] ?? '').length > 65_536) return send(422, { message: 'Body is too long (maximum is 65536 characters)' });
    const review: StoredReview = { id: this.nextId++, body: String(body['body'] ?? ''), commit_id: String(body['commit_id'] ?? pull.state.headSha), comments: [] };
    for (const c of comments) {
      const stored: StoredComment = {
        id: this.nextId++,
        body: String(c['body']),
        path: String(c['path']),
        line: Number(c['line']),
        side: String(c['side'] ?? 'RIGHT'),
        start_line: c['start_line'] === undefined ? null : Number(c['start_line']),
        start_side: c['start_side'] === undefined ? null : String(c['start_side']),
        commit_id: review.commit_id,
        pull_request_review_id: review.id,
      };
      review.comments.push(stored);
      pull.comments.push(stored);
    }
    pull.reviews.push(review);
    send(200, reviewJson(review));
  }

  private page(items: readonly unknown[], url: URL, send: (s: number, b: unknown, h?: Record<string, string>) => void): void {
    const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
    const page = Number(url.searchParams.get('page') ?? 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number, rel: string): string => {
      const next = new URL(url);
      next.searchParams.set('page', String(n));
      next.searchParams.set('per_page', String(perPage));
      return `<${next.toString()}>; rel="${rel}"`;
    };
    const links = [...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []), ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : [])];
    send(200, items.slice((page - 1) * perPage, page * perPage), links.length > 0 ? { link: links.join(', ') } : {});
  }
}

function verifyJwt(jwt: string, publicKeyPem: string, appId: number): boolean {
  const [head, payload, signature] = jwt.split('.');
  if (!head || !payload || !signature) return false;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${head}.${payload}`);
  if (!verifier.verify(publicKeyPem, Buffer.from(signature, 'base64url'))) return false;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown };
  return String(claims.iss) === String(appId);
}

/** `path:SIDE:line` for every line GitHub accepts a comment on. */
export function commentableLines(diff: string): Set<string> {
  const out = new Set<string>();
  let path = '';
  let oldLine = 0;
  let newLine = 0;
  let inHunk = false;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) {
      inHunk = false;
      path = line.replace(/^diff --git a\/.* b\//, '');
      continue;
    }
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      inHunk = true;
      continue;
    }
    if (!inHunk) continue;
    if (line.startsWith('+')) out.add(`${path}:RIGHT:${newLine++}`);
    else if (line.startsWith('-')) out.add(`${path}:LEFT:${oldLine++}`);
    else if (line.startsWith(' ')) {
      out.add(`${path}:RIGHT:${newLine++}`);
      out.add(`${path}:LEFT:${oldLine++}`);
    }
  }
  return out;
}

function diffOfFiles(files: readonly StoredFile[]): string {
  return files.map((f) => `diff --git a/${f.previous_filename ?? f.filename} b/${f.filename}\n${f.patch ?? ''}\n`).join('');
}

function pullJson(pull: PullRecord, base: string, owner: string, repo: string): Record<string, unknown> {
  const user = pull.state.user ?? 'contributor';
  return {
    url: `${base}/repos/${owner}/${repo}/pulls/${pull.number}`,
    id: pull.number * 7,
    number: pull.number,
    state: 'open',
    draft: false,
    title: pull.state.title,
    body: pull.state.body ?? null,
    user: { login: user, id: 1, type: 'User' },
    head: { sha: pull.state.headSha, ref: 'topic', label: `${user}:topic` },
    base: { sha: '0'.repeat(40), ref: 'staging', label: `${owner}:staging` },
    changed_files: pull.state.files.length,
    additions: pull.state.files.reduce((n, f) => n + f.additions, 0),
    deletions: pull.state.files.reduce((n, f) => n + f.deletions, 0),
  };
}

function reviewJson(review: StoredReview): Record<string, unknown> {
  return { id: review.id, body: review.body, commit_id: review.commit_id, state: 'COMMENTED', user: { login: 'patchsentry[bot]', type: 'Bot' } };
}

function checkRunJson(run: StoredCheckRun): Record<string, unknown> {
  return { id: run.id, name: run.name, head_sha: run.head_sha, status: run.status, conclusion: run.conclusion, output: { ...run.output, annotations_count: run.annotations.length } };
}
