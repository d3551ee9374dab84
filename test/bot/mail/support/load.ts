import { execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SMTPServer } from 'smtp-server';
import type { Dovecot } from '../../../support/dovecot.js';
import { escapeMboxrd } from '../../../../src/ingest/mbox.js';
import { fixture, withHeaders } from './messages.js';
import { startCli as spawnCli } from '../../../support/cli.js';

export { ROOT, BIN } from '../../../support/cli.js';

export interface LoadMessage {
  readonly id: string;
  readonly raw: Buffer;
  /** Breaks the policy: the bot must answer it exactly once. */
  readonly violating: boolean;
}

/**
 * Fixture patches with their own Message-ID and title, so each is a thread and a series of
 * its own: domctl-violation and domctl-handler break the policy, clean and unwatched do not.
 * Every `violatingEvery`-th message (0, n, 2n, ...) breaks it; the others are clean.
 */
const VIOLATING = ['domctl-violation.patch', 'domctl-handler.patch'];
const CLEAN = ['clean.patch', 'unwatched.patch'];

export function loadMessages(count: number, tag = 'load', violatingEvery = 2, padBytes = 0): LoadMessage[] {
  // A long commit message (the body's first paragraph), for messages of a realistic size.
  const line = 'This paragraph only makes the message as long as a real patch mail often is.\n';
  const pad = padBytes > 0 ? `${line.repeat(Math.ceil(padBytes / line.length))}\n` : '';
  // Each fixture once with placeholders, then filled in per message (10,000 stay quick).
  const templates = new Map(
    [...VIOLATING, ...CLEAN].map((name) => {
      const raw = fixture(name).toString();
      const subject = /^Subject: (.*)$/m.exec(raw)![1]!;
      // Each message's diff of its own (an added line marked with its number): the same diff
      // under a new Message-ID is a re-send, answered once.
      const text = withHeaders(raw, { 'Message-Id': '@ID@', Subject: `${subject} (#@N@)` })
        .toString()
        .replace(/\n\+(?!\+\+ )([^\n]*)/, '\n+$1 /* @N@ */');
      const body = text.indexOf('\n\n') + 2;
      return [name, text.slice(0, body) + pad + text.slice(body)];
    }),
  );
  const out: LoadMessage[] = [];
  for (let i = 0; i < count; i++) {
    const violating = i % violatingEvery === 0;
    const names = violating ? VIOLATING : CLEAN;
    // Alternates between the two fixtures of its kind.
    const turn = violating ? i / violatingEvery : i - Math.floor(i / violatingEvery) - 1;
    const id = `<${tag}-${i}@example.org>`;
    const raw = Buffer.from(templates.get(names[turn % 2]!)!.replace('@ID@', id).replaceAll('@N@', String(i)));
    out.push({ id, violating, raw });
  }
  return out;
}

/** The messages as one mboxrd file. */
export function toMbox(messages: readonly LoadMessage[]): string {
  return messages.map((m) => `From jane.dev@example.org Wed Nov 25 10:00:00 2026\n${escapeMboxrd(m.raw.toString().replace(/\n*$/, '\n'))}\n`).join('');
}

export interface Cli {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the built CLI as a child process (stdout is read and dropped). */
export function startCli(args: readonly string[], cwd: string, nodeArgs: readonly string[] = []): Cli {
  const proc = spawnCli(args, { cwd, nodeArgs, stdin: null, keepStdout: false });
  return { child: proc.child, stderr: () => proc.stderr, exited: proc.exited.then(({ code, signal }) => ({ code, signal })) };
}

export interface StateCounts {
  /** message_key → times listed (a primary key, so 1; counted to prove it). */
  readonly reviewed: Map<string, number>;
  readonly outcomes: Map<string, string>;
  /** in_reply_to → status. */
  readonly outbox: Map<string, string>;
  readonly held: number;
  readonly integrity: string;
}

/** Reads a state file as a second process would (read-only, WAL readers do not block). */
export function readState(file: string): StateCounts {
  const db = new Database(file, { readonly: true });
  try {
    const reviewed = new Map<string, number>();
    const outcomes = new Map<string, string>();
    for (const row of db.prepare('SELECT message_key, outcome FROM reviewed').all() as { message_key: string; outcome: string }[]) {
      reviewed.set(row.message_key, (reviewed.get(row.message_key) ?? 0) + 1);
      outcomes.set(row.message_key, row.outcome);
    }
    const outbox = new Map<string, string>();
    for (const row of db.prepare('SELECT in_reply_to, status FROM outbox').all() as { in_reply_to: string; status: string }[]) outbox.set(row.in_reply_to, row.status);
    const held = (db.prepare('SELECT count(*) AS n FROM held').get() as { n: number }).n;
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
    return { reviewed, outcomes, outbox, held, integrity };
  } finally {
    db.close();
  }
}

/** Polls `test` every 10 ms until it holds; throws after `ms` with `why()` in the message. */
export async function waitFor(test: () => boolean, ms: number, why: () => string = () => ''): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting\n${why()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The In-Reply-To of a raw message (replies carry the reviewed message's Message-ID there). */
export function inReplyTo(raw: string): string | undefined {
  return /^In-Reply-To:\s*(<[^>]+>)/im.exec(raw)?.[1];
}

/** How many of the `accepted` replies answer each message, by their In-Reply-To. */
export function repliesPer(accepted: readonly string[]): Map<string, number> {
  const per = new Map<string, number>();
  for (const raw of accepted) {
    const to = inReplyTo(raw) ?? '(none)';
    per.set(to, (per.get(to) ?? 0) + 1);
  }
  return per;
}

/**
 * A real SMTP server (smtp-server, loopback) whose acceptance a test can intercept: `gate`
 * runs when a message's DATA is complete, before the server answers; it returns whether to
 * answer 250 (the message is then recorded as accepted) or to leave the client hanging (it is
 * not: a message without a 250 is not delivered). `after` runs once a 250 was written.
 */
export class GateSmtpServer {
  readonly accepted: string[] = [];
  gate: (raw: string) => boolean = () => true;
  after: (raw: string) => void = () => undefined;
  port = 0;
  private server: SMTPServer | null = null;

  async start(): Promise<number> {
    this.server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      logger: false,
      // The bot opens one connection per reply; a few hundred in a row are expected.
      maxClients: 1000,
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          if (!this.gate(raw)) return; // no answer: the client dies waiting for it
          this.accepted.push(raw);
          callback();
          this.after(raw);
        });
      },
    });
    this.server.on('error', () => undefined); // a client killed mid-transaction resets its socket
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Fills the user's Maildir before Dovecot first opens it (as a delivery agent would have):
 * much faster than 10,000 APPENDs. Dovecot's mail processes run as `nobody`, who must own it.
 */
export function fillMaildir(dovecot: Dovecot, raws: readonly Buffer[]): number {
  const uid = Number(execFileSync('id', ['-u', 'nobody']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'nobody']).toString().trim());
  const maildir = join(dovecot.dir, 'home', dovecot.user, 'Maildir');
  const home = join(dovecot.dir, 'home', dovecot.user);
  for (const d of [home, maildir, join(maildir, 'new'), join(maildir, 'cur'), join(maildir, 'tmp')]) {
    mkdirSync(d, { recursive: true });
    chownSync(d, uid, gid);
  }
  let bytes = 0;
  raws.forEach((raw, i) => {
    // Maildir names sort by delivery time: Dovecot gives the UIDs in this order.
    const file = join(maildir, 'new', `${1764000000 + i}.M${i}P1.drain`);
    writeFileSync(file, raw);
    chownSync(file, uid, gid);
    bytes += raw.length;
  });
  return bytes;
}


/** Rows in `reviewed`, read by a second connection; 0 before the file or its schema exists. */
export function reviewedCount(file: string): number {
  if (!existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, timeout: 1000 });
    try {
      return (db.prepare('SELECT count(*) AS n FROM reviewed').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // created but no schema yet
  }
}
