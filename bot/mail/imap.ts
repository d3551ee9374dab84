import { ImapFlow } from 'imapflow';
import type { MailState } from './state.js';
import { sleep, type IncomingMail, type MailSource } from './source.js';
import { redactUrl } from './secrets.js';

/**
 * An IMAP mailbox read with imapflow: `imap://user:pass@host:143/INBOX` (STARTTLS when the
 * server offers it) or `imaps://...:993/...`. The last UID handled is kept in the state with
 * the mailbox's UIDVALIDITY (RFC 3501 §2.3.1.1), so a restart goes on where it stopped; when
 * UIDVALIDITY changes every message is read again and the Message-IDs in the state keep it
 * from being reviewed twice. The first watch of a mailbox on a state starts from now: the
 * messages already there come back flagged `backlog`. imapflow IDLEs between commands; an EXISTS wakes the loop.
 *
 * A large mailbox is read BATCH messages at a time (the UIDs first, then the bodies of the
 * next batch), so memory does not grow with the mailbox: a 10,000-message backlog used to be
 * fetched whole into one array before the first was reviewed.
 */
/** Messages fetched at once: ~2.5 MB of typical patch mail, whatever the mailbox holds. */
const BATCH = 200;

export class ImapSource implements MailSource {
  private wakeUp: (() => void) | null = null;
  /** More messages wait beyond the batch just returned: the loop must not sleep. */
  private pending = false;

  private constructor(
    private client: ImapFlow,
    private readonly url: URL,
    private readonly mailbox: string,
    private readonly state: MailState,
  ) {}

  static async create(url: URL, state: MailState): Promise<ImapSource> {
    const mailbox = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'INBOX';
    const source = new ImapSource(await ImapSource.connect(url, mailbox), url, mailbox, state);
    source.listen();
    const box = source.client.mailbox;
    if (box !== false && state.getMeta(source.key) === null) {
      // The first watch of this mailbox on this state starts from now: what is there already
      // (UIDs below UIDNEXT when it was opened) is the backlog.
      state.setMeta(source.key, JSON.stringify({ uidValidity: String(box.uidValidity), uid: 0, backlogTo: Math.max(0, Number(box.uidNext) - 1) }));
    }
    return source;
  }

  private static async connect(url: URL, mailbox: string): Promise<ImapFlow> {
    const secure = url.protocol === 'imaps:';
    const client = new ImapFlow({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : secure ? 993 : 143,
      secure,
      auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) },
      // imapflow's logger would print the protocol exchange, LOGIN included.
      logger: false,
      // IDLE soon after our last command, so new mail wakes the loop within a second or so.
      autoIdleDelay: 1000,
    });
    try {
      await client.connect();
      await client.mailboxOpen(mailbox);
    } catch (error) {
      // A connected client keeps the process alive; imapflow's own message is only "Command failed".
      client.close();
      throw new Error(`IMAP ${redactUrl(url)}: ${imapReason(error)}`);
    }
    return client;
  }

  private listen(): void {
    this.client.on('exists', () => this.wakeUp?.());
    this.client.on('close', () => this.wakeUp?.());
    // An error closes the connection; fetchNew reconnects.
    this.client.on('error', () => this.wakeUp?.());
  }

  private get key(): string {
    return `imap:${this.url.hostname}:${this.url.port}:${decodeURIComponent(this.url.username)}:${this.mailbox}`;
  }

  async fetchNew(): Promise<IncomingMail[]> {
    if (!this.client.usable) {
      this.client = await ImapSource.connect(this.url, this.mailbox);
      this.listen();
    }
    const box = this.client.mailbox;
    if (box === false) throw new Error(`IMAP mailbox ${this.mailbox} is not open`);
    const validity = String(box.uidValidity);
    const saved = JSON.parse(this.state.getMeta(this.key) ?? '{}') as { uidValidity?: string; uid?: number; backlogTo?: number };
    const same = saved.uidValidity === validity;
    const last = same ? (saved.uid ?? 0) : 0;
    const backlogTo = same ? (saved.backlogTo ?? 0) : 0;
    this.pending = false;
    if (box.exists === 0) return [];
    // `N:*` also answers the highest UID when it is below N (RFC 3501 §6.4.8): filtered here.
    const uids = ((await this.client.search({ uid: `${last + 1}:*` }, { uid: true })) || []).filter((uid) => uid > last).sort((a, b) => a - b);
    if (uids.length === 0) return [];
    const batch = uids.slice(0, BATCH);
    const more = uids.length > batch.length;
    const messages: { uid: number; source: Buffer }[] = [];
    for await (const message of this.client.fetch(batch.join(','), { uid: true, source: true }, { uid: true })) {
      if (message.uid > last && message.source) messages.push({ uid: message.uid, source: message.source });
    }
    messages.sort((a, b) => a.uid - b.uid);
    // Straight on to the next batch only once this one is all done: a message that keeps
    // failing must not turn the loop into a busy retry (nor a batch that came back empty).
    return messages.map((m, i) => ({
      label: `uid ${m.uid}`,
      raw: m.source,
      ...(m.uid <= backlogTo ? { backlog: true } : {}),
      done: async () => {
        this.state.setMeta(this.key, JSON.stringify({ uidValidity: validity, uid: m.uid, ...(backlogTo > 0 ? { backlogTo } : {}) }));
        if (i === messages.length - 1) this.pending = more;
      },
    }));
  }

  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending) return; // the rest of a backlog: no pause between batches
    const timer = sleep(ms, signal);
    this.wakeUp = timer.wake;
    await timer.promise;
    this.wakeUp = null;
  }

  async close(): Promise<void> {
    if (this.client.usable) await this.client.logout().catch(() => undefined);
    else this.client.close();
  }
}

/** What the server said (never `executedCommand`: for LOGIN it holds the password). */
function imapReason(error: unknown): string {
  const e = error as { message?: string; responseText?: string; authenticationFailed?: boolean };
  if (e.authenticationFailed) return `login refused: ${e.responseText ?? e.message ?? 'authentication failed'}`;
  if (e.responseText) return `${e.message ?? 'command failed'}: ${e.responseText}`;
  return e.message ?? String(error);
}
