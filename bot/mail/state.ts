import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * The mail bot's memory (SPEC §5), one SQLite file:
 * - `reviewed`: every message handled (key = Message-ID, or a hash of the bytes without one),
 *   with the fingerprints of its findings, so a rerun or an IMAP restart reviews nothing twice;
 * - `held`: messages of a series that is not complete yet (an MDA runs us once per message);
 * - `series_versions`: fingerprints per series version, so v4 only gets what is new since v3;
 * - `outbox`: replies, written before sending (`queued`), claimed by one sender (`sending`),
 *   and marked `sent` when the server accepted them.
 *   `in_reply_to` is UNIQUE: the database itself refuses a second reply to one message.
 * - `meta`: small values such as the last IMAP UID handled.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reviewed (
  message_key TEXT PRIMARY KEY, outcome TEXT NOT NULL,
  fingerprints TEXT NOT NULL DEFAULT '[]', reviewed_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS held (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, message_key TEXT NOT NULL UNIQUE,
  raw BLOB NOT NULL, received_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS series_versions (
  series_key TEXT NOT NULL, version INTEGER NOT NULL, fingerprints TEXT NOT NULL,
  PRIMARY KEY (series_key, version));
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL UNIQUE,
  in_reply_to TEXT NOT NULL UNIQUE, thread TEXT NOT NULL, envelope_from TEXT NOT NULL,
  recipients TEXT NOT NULL, raw TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'queued',
  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
  last_error TEXT, created_at INTEGER NOT NULL, sent_at INTEGER);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);
`;

export interface HeldMessage {
  readonly seq: number;
  readonly key: string;
  readonly raw: Buffer;
  readonly receivedAt: number;
}

export interface OutboxEntry {
  readonly id: number;
  readonly messageId: string;
  readonly inReplyTo: string;
  readonly thread: string;
  readonly envelopeFrom: string;
  readonly recipients: readonly string[];
  readonly raw: string;
  readonly status: 'queued' | 'sending' | 'sent';
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly sentAt: number | null;
}

export interface NewReply {
  readonly messageId: string;
  readonly inReplyTo: string;
  readonly thread: string;
  readonly envelopeFrom: string;
  readonly recipients: readonly string[];
  readonly raw: string;
}

interface OutboxRow {
  id: number;
  message_id: string;
  in_reply_to: string;
  thread: string;
  envelope_from: string;
  recipients: string;
  raw: string;
  status: 'queued' | 'sending' | 'sent';
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  sent_at: number | null;
}

export class StateError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'StateError';
  }
}

export class MailState {
  private constructor(
    private readonly db: Database.Database,
    /** A dry run reads the state but keeps nothing: all of it runs in one rolled-back transaction. */
    private readonly dryRun: boolean,
  ) {}

  /**
   * Opens (creating when needed) the state file. A dry run on a file that does not exist yet
   * works on an empty in-memory database, so looking creates nothing on disk.
   */
  static async create(file: string, options: { dryRun?: boolean; exists?: (path: string) => boolean } = {}): Promise<MailState> {
    const dryRun = options.dryRun ?? false;
    let db: Database.Database;
    try {
      if (dryRun && file !== ':memory:' && !(options.exists ?? defaultExists)(file)) db = new Database(':memory:');
      else {
        if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
        db = new Database(file);
      }
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
    } catch (error) {
      throw new StateError(`cannot open the state database: ${(error as Error).message}`, file);
    }
    if (dryRun) db.exec('BEGIN');
    return new MailState(db, dryRun);
  }

  close(): void {
    if (!this.db.open) return;
    if (this.dryRun && this.db.inTransaction) this.db.exec('ROLLBACK');
    this.db.close();
  }

  /** Runs `fn` atomically (a savepoint inside a dry run's transaction). */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  isReviewed(key: string): boolean {
    return this.db.prepare('SELECT 1 FROM reviewed WHERE message_key = ?').get(key) !== undefined;
  }

  reviewedOutcome(key: string): { outcome: string; fingerprints: string[] } | null {
    const row = this.db.prepare('SELECT outcome, fingerprints FROM reviewed WHERE message_key = ?').get(key) as { outcome: string; fingerprints: string } | undefined;
    return row ? { outcome: row.outcome, fingerprints: JSON.parse(row.fingerprints) as string[] } : null;
  }

  markReviewed(key: string, outcome: string, fingerprints: readonly string[], now: number): void {
    this.db
      .prepare('INSERT INTO reviewed (message_key, outcome, fingerprints, reviewed_at) VALUES (?, ?, ?, ?) ON CONFLICT (message_key) DO UPDATE SET outcome = excluded.outcome, fingerprints = excluded.fingerprints')
      .run(key, outcome, JSON.stringify(fingerprints), now);
    this.db.prepare('DELETE FROM held WHERE message_key = ?').run(key);
  }

  /** Holds a message until its series can be reviewed; false when it was held already. */
  hold(key: string, raw: Buffer, now: number): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO held (message_key, raw, received_at) VALUES (?, ?, ?)').run(key, raw, now).changes > 0;
  }

  held(): HeldMessage[] {
    const rows = this.db.prepare('SELECT seq, message_key, raw, received_at FROM held ORDER BY seq').all() as { seq: number; message_key: string; raw: Buffer; received_at: number }[];
    return rows.map((r) => ({ seq: r.seq, key: r.message_key, raw: r.raw, receivedAt: r.received_at }));
  }

  /** Fingerprints of the newest version of a series older than `version`, or null. */
  previousVersion(seriesKey: string, version: number): Set<string> | null {
    const row = this.db.prepare('SELECT fingerprints FROM series_versions WHERE series_key = ? AND version < ? ORDER BY version DESC LIMIT 1').get(seriesKey, version) as { fingerprints: string } | undefined;
    return row ? new Set(JSON.parse(row.fingerprints) as string[]) : null;
  }

  recordVersion(seriesKey: string, version: number, fingerprints: readonly string[]): void {
    this.db.prepare('INSERT OR REPLACE INTO series_versions (series_key, version, fingerprints) VALUES (?, ?, ?)').run(seriesKey, version, JSON.stringify([...new Set(fingerprints)]));
  }

  hasReplyTo(messageId: string): boolean {
    return this.db.prepare('SELECT 1 FROM outbox WHERE in_reply_to = ?').get(messageId) !== undefined;
  }

  repliesInThread(thread: string, since: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM outbox WHERE thread = ? AND created_at >= ?').get(thread, since) as { n: number }).n;
  }

  sentSince(since: number): number {
    return (this.db.prepare("SELECT count(*) AS n FROM outbox WHERE status = 'sent' AND sent_at >= ?").get(since) as { n: number }).n;
  }

  /** Queues a reply; false when one to the same message (or with the same id) exists. */
  enqueue(reply: NewReply, now: number): boolean {
    const result = this.db
      .prepare(
        'INSERT OR IGNORE INTO outbox (message_id, in_reply_to, thread, envelope_from, recipients, raw, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(reply.messageId, reply.inReplyTo, reply.thread, reply.envelopeFrom, JSON.stringify(reply.recipients), reply.raw, now, now);
    return result.changes > 0;
  }

  /** Replies to send now: queued and due, or claimed by a sender that never finished. */
  due(now: number): OutboxEntry[] {
    const rows = this.db.prepare("SELECT * FROM outbox WHERE status IN ('queued', 'sending') AND next_attempt_at <= ? ORDER BY id").all(now) as OutboxRow[];
    return rows.map(toEntry);
  }

  /**
   * Takes a due reply for sending. Two processes (two MDA runs at once) may both see it due;
   * only one gets the claim. A claim not finished within `leaseMs` (a crash) lapses.
   */
  claim(id: number, now: number, leaseMs: number): boolean {
    return (
      this.db.prepare("UPDATE outbox SET status = 'sending', next_attempt_at = ? WHERE id = ? AND status IN ('queued', 'sending') AND next_attempt_at <= ?").run(now + leaseMs, id, now)
        .changes === 1
    );
  }

  outbox(): OutboxEntry[] {
    return (this.db.prepare('SELECT * FROM outbox ORDER BY id').all() as OutboxRow[]).map(toEntry);
  }

  markSent(id: number, now: number): void {
    this.db.prepare("UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?").run(now, id);
  }

  markFailed(id: number, error: string, nextAttemptAt: number): void {
    this.db.prepare("UPDATE outbox SET status = 'queued', attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?").run(error, nextAttemptAt, id);
  }

  getMeta(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}

function toEntry(row: OutboxRow): OutboxEntry {
  return {
    id: row.id,
    messageId: row.message_id,
    inReplyTo: row.in_reply_to,
    thread: row.thread,
    envelopeFrom: row.envelope_from,
    recipients: JSON.parse(row.recipients) as string[],
    raw: row.raw,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    sentAt: row.sent_at,
  };
}

function defaultExists(path: string): boolean {
  return existsSync(path);
}
