import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * The mail bot's memory (docs/mail-bot.md, State), one SQLite file:
 * - `reviewed`: every message handled (key = Message-ID, or a hash of the bytes without one),
 *   with the fingerprints of its findings, so a rerun or an IMAP restart reviews nothing twice;
 * - `held`: messages of a series that is not complete yet (an MDA runs us once per message);
 * - `series_versions`: fingerprints per series version, so v4 only gets what is new since v3;
 * - `outbox`: replies, written before sending (`queued`), claimed by one sender (`sending`),
 *   and marked `sent` when the server accepted them. `claimed_by` (`pid@host`) names the sender,
 *   so a claim of a process that died (SIGKILL, power loss) is taken over at once, not after
 *   its lease.
 *   `in_reply_to` is UNIQUE: the database itself refuses a second reply to one message.
 * - `meta`: small values such as the last IMAP UID handled, and which `watch` holds the file.
 * - `patch_ids`: the patch identity (`src/ingest/patch-id.ts`, as `git patch-id --stable`) of
 *   every patch reviewed, with the first message that carried it: the same diff sent again
 *   under a new Message-ID (`[PATCH RESEND]`) is recognised and gets no second reply.
 * - `thread_acks`: `Altp2m-Policy-Ack` trailers given in replies in a patch's thread (the
 *   patch they were given on is `target`); `findings_seen`: each reviewed patch's findings by
 *   rule and fingerprint, so an ack on v1 waives the same findings of v2 and later.
 *
 * Locking: SQLite's own (WAL: readers never wait; one writer at a time, others wait up to
 * BUSY_MS, then a StateError names the file). A `watch` also takes `<file>.lock`, an SQLite
 * file it holds an exclusive transaction on while it runs: a second `watch` on the same state
 * is refused at once. The kernel drops the lock with the process, so a kill leaves none stale.
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
CREATE TABLE IF NOT EXISTS patch_ids (
  patch_id TEXT PRIMARY KEY, message_key TEXT NOT NULL, seen_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS thread_acks (
  reply_key TEXT NOT NULL, target TEXT NOT NULL, rule TEXT NOT NULL, reason TEXT NOT NULL,
  by_name TEXT NOT NULL, by_address TEXT NOT NULL, given_at INTEGER NOT NULL,
  PRIMARY KEY (reply_key, rule));
CREATE TABLE IF NOT EXISTS findings_seen (
  message_key TEXT NOT NULL, rule TEXT NOT NULL, fingerprint TEXT NOT NULL,
  PRIMARY KEY (message_key, fingerprint));
`;

/** How long a write waits for another process's write transaction before giving up. */
export const BUSY_MS = 5000;

export interface HeldMessage {
  readonly seq: number;
  readonly key: string;
  readonly raw: Buffer;
  readonly receivedAt: number;
}

export interface OutboxEntry extends NewReply {
  readonly id: number;
  readonly status: 'queued' | 'sending' | 'sent';
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly sentAt: number | null;
}

/** An `Altp2m-Policy-Ack` given in a reply: who gave it, on which patch. */
export interface StoredAck {
  readonly replyKey: string;
  /** The patch (its key, the Message-ID) the reply was about. */
  readonly target: string;
  readonly rule: string;
  readonly reason: string;
  readonly by: { readonly name: string; readonly address: string };
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
  claimed_by: string | null;
}

export class StateError extends Error {
  constructor(
    message: string,
    readonly file: string,
    /** Another process holds the database: trying again later will work (the CLI exits 75). */
    readonly temporary = false,
  ) {
    super(`${file}: ${message}`);
    this.name = 'StateError';
  }
}

export class MailState {
  /** This process as a claimer of outbox entries: `pid@host`. */
  private readonly owner = `${process.pid}@${hostname()}`;

  private constructor(
    /** The file, or for a dry run an in-memory copy of it (it reads the state, keeps nothing). */
    private readonly db: Database.Database,
    /** `<file>.lock`, held by a watch for as long as it runs. */
    private readonly lock: Database.Database | null = null,
  ) {}

  /**
   * Opens (creating when needed) the state file. A dry run works on an in-memory copy of it
   * (an empty database when there is no file, so looking creates nothing on disk): a rolled-back
   * transaction on the file itself would hold its write lock for the whole run, and a dry-run
   * `watch` would keep every real run out.
   */
  static async create(file: string, options: { dryRun?: boolean; exists?: (path: string) => boolean; exclusive?: boolean } = {}): Promise<MailState> {
    const dryRun = options.dryRun ?? false;
    let db: Database.Database | null = null;
    try {
      if (dryRun && file !== ':memory:') {
        if (!(options.exists ?? defaultExists)(file)) db = new Database(':memory:');
        else {
          const disk = new Database(file, { readonly: true, fileMustExist: true, timeout: BUSY_MS });
          try {
            const image = disk.serialize();
            // Bytes 18-19 say WAL (2); an in-memory database cannot open that: rollback (1).
            image[18] = 1;
            image[19] = 1;
            db = new Database(image);
          } finally {
            disk.close();
          }
        }
      } else {
        // 0700: the state holds other people's mail (held messages, the outbox).
        if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
        // The busy timeout first: the pragmas below may already wait for another writer.
        db = new Database(file, { timeout: BUSY_MS });
      }
      db.pragma('journal_mode = WAL');
      db.exec(SCHEMA);
      migrate(db);
    } catch (error) {
      db?.close();
      throw stateError(error, file, `cannot open the state database: ${(error as Error).message}`);
    }
    // A dry run changes nothing, so it may run beside a watch; only a writer takes the lock.
    let lock: Database.Database | null = null;
    try {
      if (options.exclusive && !dryRun && file !== ':memory:') lock = takeInstanceLock(db, file);
    } catch (error) {
      db.close();
      throw error;
    }
    return new MailState(db, lock);
  }

  close(): void {
    if (!this.db.open) return;
    // Closing ends the exclusive transaction: the next watch may start.
    if (this.lock?.open) this.lock.close();
    this.db.close();
  }

  /** Runs `fn` atomically. */
  atomically<T>(fn: () => T): T {
    // IMMEDIATE: takes the write lock first (waiting BUSY_MS for it), so a transaction that
    // reads and then writes never fails half-way because another process wrote meanwhile.
    return this.guard(() => this.db.transaction(fn).immediate());
  }

  /** Compiled statements by SQL: compiling one costs more than running it. */
  private readonly statements = new Map<string, Database.Statement>();

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** SQLite's busy and locked errors as a StateError naming the file, others unchanged. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw isBusy(error) ? stateError(error, this.db.name) : error;
    }
  }

  isReviewed(key: string): boolean {
    return this.guard(() => this.stmt('SELECT 1 FROM reviewed WHERE message_key = ?').get(key) !== undefined);
  }

  isHeld(key: string): boolean {
    return this.guard(() => this.stmt('SELECT 1 FROM held WHERE message_key = ?').get(key) !== undefined);
  }

  /** Whether `messageId` is one of the bot's own replies (or forwards) in the outbox. */
  isOwnMessage(messageId: string): boolean {
    return this.guard(() => this.stmt('SELECT 1 FROM outbox WHERE message_id = ?').get(messageId) !== undefined);
  }

  reviewedOutcome(key: string): { outcome: string; fingerprints: string[] } | null {
    const row = this.guard(() => this.stmt('SELECT outcome, fingerprints FROM reviewed WHERE message_key = ?').get(key) as { outcome: string; fingerprints: string } | undefined);
    return row ? { outcome: row.outcome, fingerprints: JSON.parse(row.fingerprints) as string[] } : null;
  }

  markReviewed(key: string, outcome: string, fingerprints: readonly string[], now: number): void {
    this.guard(() => {
      this.stmt('INSERT INTO reviewed (message_key, outcome, fingerprints, reviewed_at) VALUES (?, ?, ?, ?) ON CONFLICT (message_key) DO UPDATE SET outcome = excluded.outcome, fingerprints = excluded.fingerprints')
        .run(key, outcome, JSON.stringify(fingerprints), now);
      this.stmt('DELETE FROM held WHERE message_key = ?').run(key);
    });
  }

  /** Holds a message until its series can be reviewed; false when it was held already. */
  hold(key: string, raw: Buffer, now: number): boolean {
    return this.guard(() => this.stmt('INSERT OR IGNORE INTO held (message_key, raw, received_at) VALUES (?, ?, ?)').run(key, raw, now).changes > 0);
  }

  held(): HeldMessage[] {
    const rows = this.guard(() => this.stmt('SELECT seq, message_key, raw, received_at FROM held ORDER BY seq').all() as { seq: number; message_key: string; raw: Buffer; received_at: number }[]);
    return rows.map((r) => ({ seq: r.seq, key: r.message_key, raw: r.raw, receivedAt: r.received_at }));
  }

  /** Fingerprints of the newest version of a series older than `version`, or null. */
  previousVersion(seriesKey: string, version: number): Set<string> | null {
    const row = this.guard(() => this.stmt('SELECT fingerprints FROM series_versions WHERE series_key = ? AND version < ? ORDER BY version DESC LIMIT 1').get(seriesKey, version) as { fingerprints: string } | undefined);
    return row ? new Set(JSON.parse(row.fingerprints) as string[]) : null;
  }

  recordVersion(seriesKey: string, version: number, fingerprints: readonly string[]): void {
    this.guard(() => this.stmt('INSERT OR REPLACE INTO series_versions (series_key, version, fingerprints) VALUES (?, ?, ?)').run(seriesKey, version, JSON.stringify([...new Set(fingerprints)])));
  }

  /** The first message reviewed with this patch identity, when it is another than `key`. */
  samePatchAs(patchId: string, key: string): string | null {
    const row = this.guard(() => this.stmt('SELECT message_key FROM patch_ids WHERE patch_id = ?').get(patchId) as { message_key: string } | undefined);
    return row && row.message_key !== key ? row.message_key : null;
  }

  /** Remembers a patch identity with the first message that carried it. */
  recordPatchId(patchId: string, key: string, now: number): void {
    this.guard(() => this.stmt('INSERT OR IGNORE INTO patch_ids (patch_id, message_key, seen_at) VALUES (?, ?, ?)').run(patchId, key, now));
  }

  /** Keeps an ack given in a reply (once per reply and rule). */
  recordThreadAck(ack: StoredAck, now: number): void {
    this.guard(() =>
      this.stmt('INSERT OR IGNORE INTO thread_acks (reply_key, target, rule, reason, by_name, by_address, given_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        ack.replyKey,
        ack.target,
        ack.rule,
        ack.reason,
        ack.by.name,
        ack.by.address,
        now,
      ),
    );
  }

  /** Every ack given in a reply, with the fingerprints of its rule's findings on its target. */
  threadAcks(): (StoredAck & { fingerprints: string[] })[] {
    const rows = this.guard(
      () =>
        this.stmt('SELECT reply_key, target, rule, reason, by_name, by_address FROM thread_acks ORDER BY given_at').all() as {
          reply_key: string;
          target: string;
          rule: string;
          reason: string;
          by_name: string;
          by_address: string;
        }[],
    );
    return rows.map((r) => ({
      replyKey: r.reply_key,
      target: r.target,
      rule: r.rule,
      reason: r.reason,
      by: { name: r.by_name, address: r.by_address },
      fingerprints: (this.guard(() => this.stmt('SELECT fingerprint FROM findings_seen WHERE message_key = ? AND rule = ?').all(r.target, r.rule)) as { fingerprint: string }[]).map((f) => f.fingerprint),
    }));
  }

  /** Remembers the findings of a reviewed patch (rule and fingerprint). */
  recordFindings(key: string, findings: readonly { rule: string; fingerprint: string }[]): void {
    this.guard(() => {
      for (const f of findings) this.stmt('INSERT OR IGNORE INTO findings_seen (message_key, rule, fingerprint) VALUES (?, ?, ?)').run(key, f.rule, f.fingerprint);
    });
  }

  /** The message a reply of ours answered, by the reply's Message-ID. */
  answeredBy(replyId: string): string | null {
    const row = this.guard(() => this.stmt('SELECT in_reply_to FROM outbox WHERE message_id = ?').get(replyId) as { in_reply_to: string } | undefined);
    return row?.in_reply_to ?? null;
  }

  hasReplyTo(messageId: string): boolean {
    return this.guard(() => this.stmt('SELECT 1 FROM outbox WHERE in_reply_to = ?').get(messageId) !== undefined);
  }

  repliesInThread(thread: string, since: number): number {
    return this.guard(() => (this.stmt('SELECT count(*) AS n FROM outbox WHERE thread = ? AND created_at >= ?').get(thread, since) as { n: number }).n);
  }

  sentSince(since: number): number {
    return this.guard(() => (this.stmt("SELECT count(*) AS n FROM outbox WHERE status = 'sent' AND sent_at >= ?").get(since) as { n: number }).n);
  }

  /** Queues a reply; false when one to the same message (or with the same id) exists. */
  enqueue(reply: NewReply, now: number): boolean {
    const result = this.guard(() =>
      this.stmt(
          'INSERT OR IGNORE INTO outbox (message_id, in_reply_to, thread, envelope_from, recipients, raw, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(reply.messageId, reply.inReplyTo, reply.thread, reply.envelopeFrom, JSON.stringify(reply.recipients), reply.raw, now, now),
    );
    return result.changes > 0;
  }

  /**
   * Replies to send now: queued and due, or claimed by a sender that never finished: its
   * lease ran out, or it was a process of this host that is gone (killed mid-send).
   */
  due(now: number): OutboxEntry[] {
    const rows = this.guard(
      () =>
        this.stmt("SELECT * FROM outbox WHERE (status = 'queued' AND next_attempt_at <= ?) OR (status = 'sending' AND (next_attempt_at <= ? OR claimed_by IS NOT NULL)) ORDER BY id")
          .all(now, now) as OutboxRow[],
    );
    return rows.filter((r) => r.next_attempt_at <= now || this.claimerGone(r.claimed_by)).map(toEntry);
  }

  /**
   * Takes a due reply for sending. Two processes (two MDA runs at once) may both see it due;
   * only one gets the claim. A claim not finished within `leaseMs` (a crash) lapses, and one
   * whose process is gone lapses at once; two takers of a dead claim race on `claimed_by`.
   */
  claim(id: number, now: number, leaseMs: number): boolean {
    return this.guard(() => {
      const row = this.stmt("SELECT next_attempt_at, claimed_by FROM outbox WHERE id = ? AND status IN ('queued', 'sending')").get(id) as
        | Pick<OutboxRow, 'next_attempt_at' | 'claimed_by'>
        | undefined;
      if (!row) return false;
      const take = "UPDATE outbox SET status = 'sending', next_attempt_at = ?, claimed_by = ? WHERE id = ? AND status IN ('queued', 'sending')";
      if (row.next_attempt_at <= now) return this.stmt(`${take} AND next_attempt_at <= ?`).run(now + leaseMs, this.owner, id, now).changes === 1;
      if (row.claimed_by === null || !this.claimerGone(row.claimed_by)) return false;
      return this.stmt(`${take} AND claimed_by = ?`).run(now + leaseMs, this.owner, id, row.claimed_by).changes === 1;
    });
  }

  /**
   * Whether the process that claimed a reply is known to be gone: it ran on this host and no
   * process has its pid. Another host's claim, or our own pid, waits for the lease (a pid
   * reused since only delays the reply, it never sends it twice).
   */
  private claimerGone(claimedBy: string | null): boolean {
    if (claimedBy === null || claimedBy === this.owner) return false;
    const at = claimedBy.indexOf('@');
    const pid = Number(claimedBy.slice(0, at));
    if (at < 1 || !Number.isInteger(pid) || pid < 1 || claimedBy.slice(at + 1) !== hostname()) return false;
    try {
      process.kill(pid, 0); // signal 0: only asks whether the process exists
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH'; // EPERM: it exists, as another user
    }
  }

  outbox(): OutboxEntry[] {
    return this.guard(() => this.stmt('SELECT * FROM outbox ORDER BY id').all() as OutboxRow[]).map(toEntry);
  }

  markSent(id: number, now: number): void {
    this.guard(() => this.stmt("UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL, claimed_by = NULL WHERE id = ?").run(now, id));
  }

  markFailed(id: number, error: string, nextAttemptAt: number): void {
    this.guard(() =>
      this.stmt("UPDATE outbox SET status = 'queued', attempts = attempts + 1, last_error = ?, next_attempt_at = ?, claimed_by = NULL WHERE id = ?").run(error, nextAttemptAt, id),
    );
  }

  getMeta(key: string): string | null {
    const row = this.guard(() => this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined);
    return row?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.guard(() => this.stmt('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value));
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

/** Columns added since the first release, for state files made by it. */
function migrate(db: Database.Database): void {
  const columns = (db.pragma('table_info(outbox)') as { name: string }[]).map((c) => c.name);
  if (!columns.includes('claimed_by')) db.exec('ALTER TABLE outbox ADD COLUMN claimed_by TEXT');
}

/** SQLITE_BUSY and SQLITE_LOCKED (and their extended codes): another connection holds a lock. */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Busy or locked: a temporary StateError saying so; anything else: one with `otherwise`. */
function stateError(error: unknown, file: string, otherwise = (error as Error).message): StateError {
  if (!isBusy(error)) return new StateError(otherwise, file);
  return new StateError(`the state database is locked by another process (waited ${BUSY_MS / 1000} s): ${(error as Error).message}`, file, true);
}

/** Who holds a watch's lock, as it wrote itself into `meta` (informative only). */
interface InstanceOwner {
  pid: number;
  host: string;
  since: string;
}

/**
 * Takes `<file>.lock` for a `watch`: an exclusive transaction on a small SQLite file, kept
 * open while the process runs. Refused at once (no waiting) while another watch has it.
 */
function takeInstanceLock(db: Database.Database, file: string): Database.Database {
  const lockFile = `${file}.lock`;
  let lock: Database.Database | null = null;
  try {
    lock = new Database(lockFile, { timeout: 0 });
    // No journal file beside it: the transaction never writes anything.
    lock.pragma('journal_mode = MEMORY');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock?.close();
    if (!isBusy(error)) throw new StateError(`cannot take the lock ${lockFile}: ${(error as Error).message}`, file);
    let owner: InstanceOwner | null = null;
    try {
      const row = db.prepare("SELECT value FROM meta WHERE key = 'instance'").get() as { value: string } | undefined;
      owner = row ? (JSON.parse(row.value) as InstanceOwner) : null;
    } catch {
      owner = null; // only makes the message better
    }
    const who = owner ? ` (pid ${owner.pid} on ${owner.host}, since ${owner.since})` : '';
    throw new StateError(`another patchsentry watch${who} is using this state file: ${lockFile} is locked. Stop it first, or give this one its own --state`, file);
  }
  try {
    const owner: InstanceOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    db.prepare("INSERT INTO meta (key, value) VALUES ('instance', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(JSON.stringify(owner));
  } catch (error) {
    lock.close();
    throw stateError(error, file);
  }
  return lock;
}
