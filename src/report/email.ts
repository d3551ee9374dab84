import { createHash } from 'node:crypto';
import type { Address } from '../ingest/message.js';
import type { Patch } from '../ingest/patch.js';
import type { Finding } from '../engine/finding.js';
import { version } from '../version.js';
import type { Maintainers } from '../engine/maintainers.js';
import type { RulePack } from '../engine/rule.js';
import { replyRecipients, type ReplyTo } from './recipients.js';
import { quoteFinding } from './quote.js';
import { escapeMessageId } from './links.js';
import { DEFAULT_LINK_BASES, type LinkBases } from '../engine/config.js';

/**
 * The list reply to one patch (docs/mail-bot.md, RFC 3834 for Auto-Submitted, RFC 5322 §3.6.4
 * for threading). Pure: the caller passes the bot's address and the date; the Message-ID is
 * derived from the patch and its findings, so the same reply always gets the same id.
 *
 * What it renders:
 *
 *     Subject: Re: [PATCH 1/2] x86/altp2m: add XEN_DOMCTL_altp2m_get_views
 *     In-Reply-To: <20261125.1@example.org>
 *     References: <cover@example.org> <20261125.1@example.org>
 *     Auto-Submitted: auto-generated
 *
 *     On Wed, 25 Nov 2026 10:00:00 +0000, Jane Dev wrote:
 *     > +++ b/xen/include/public/domctl.h
 *     > +#define XEN_DOMCTL_altp2m_get_views              89
 *
 *     New DOMCTL command XEN_DOMCTL_altp2m_get_views for altp2m. Add it as a new
 *     HVMOP_altp2m_* subop in xen/include/public/hvm/hvm_op.h and do_altp2m_op() instead.
 *
 *     > +        struct xen_domctl_altp2m_views      altp2m_views;
 *
 *     New altp2m member altp2m_views in the DOMCTL union: ...
 *
 *     altp2m-domctl (error): altp2m has one interface: ... (the rule's reasoning, once)
 *     Policy: ... A maintainer waives a finding by replying "Altp2m-Policy-Ack: ...".
 *     https://lore.kernel.org/xen-devel/20261125.1@example.org/
 *
 * One block per rule: each finding's statement quoted whole (quote.ts) with what it is under
 * it, then the rule's reasoning; the policy, the way to waive and the link once per reply.
 * docs/mail-bot.md shows a whole reply.
 */
export interface ReplyOptions {
  /** The bot's own address: the reply's From, and never a recipient. */
  readonly from: Address;
  /** When the reply is written (the caller reads the clock). */
  readonly date: Date;
  /** The other patches of the series, searched when a finding's file is not in `patch`. */
  readonly related?: readonly Patch[];
  /** Who the reply goes to (`recipients.ts`); default `maintainers`. */
  readonly replyTo?: ReplyTo;
  /** The MAINTAINERS file, read; without it `maintainers` means the author alone. */
  readonly maintainers?: Maintainers;
  /** Where the patch's page is (the config's `links:`); default lore.kernel.org/xen-devel. */
  readonly links?: LinkBases;
  /** The pack that made the findings: how to waive one, what the bot reviews. */
  readonly pack: Pick<RulePack, 'waiverTrailer' | 'wording'>;
}

export interface EmailReply {
  readonly messageId: string;
  readonly inReplyTo: string;
  readonly subject: string;
  readonly to: readonly Address[];
  readonly cc: readonly Address[];
  /** Header fields in order, values unencoded (see `formatEmail`). */
  readonly headers: readonly (readonly [string, string])[];
  /** The text/plain body, LF line ends, every line under 80 columns. */
  readonly body: string;
}

/** Thrown when a reply cannot be threaded: a patch without a Message-ID. */
export class ReplyError extends Error {
  constructor(
    message: string,
    readonly subject: string,
  ) {
    super(message);
    this.name = 'ReplyError';
  }
}

const WIDTH = 78;
const MAX_COLUMNS = 79;

export function renderReply(patch: Patch, findings: readonly Finding[], options: ReplyOptions): EmailReply {
  const { message } = patch;
  if (message.messageId === null) throw new ReplyError('the patch has no Message-ID to reply to', message.subject);
  const { to, cc } = replyRecipients(patch, findings, {
    replyTo: options.replyTo ?? 'maintainers',
    self: options.from.address,
    ...(options.maintainers ? { maintainers: options.maintainers } : {}),
  });
  const subject = /^\s*re\s*:/i.test(message.subject) ? message.subject : `Re: ${message.subject}`;
  const messageId = replyMessageId(message.messageId, findings, options.from.address);
  const references = [...message.references.filter((id) => id !== message.messageId), message.messageId];
  const body = renderBody(patch, findings, options);
  const headers: [string, string][] = [
    ['From', formatAddress(options.from)],
    ['To', to.map(formatAddress).join(', ')],
    ...(cc.length > 0 ? [['Cc', cc.map(formatAddress).join(', ')] as [string, string]] : []),
    ['Subject', subject],
    ['Date', rfc5322Date(options.date)],
    ['Message-ID', messageId],
    ['In-Reply-To', message.messageId],
    ['References', references.join(' ')],
    ['Auto-Submitted', 'auto-generated'],
    ['X-Mailer', `patchsentry ${version}`],
    ['MIME-Version', '1.0'],
    ['Content-Type', 'text/plain; charset=UTF-8'],
    ['Content-Transfer-Encoding', /^[\x20-\x7e\n]*$/.test(body) ? '7bit' : '8bit'],
  ];
  return { messageId, inReplyTo: message.messageId, subject, to, cc, headers, body };
}

/**
 * The reply's Message-ID: a hash of the patch's Message-ID and the findings' fingerprints,
 * on the bot's domain. Stable, so an outbox entry can be recognised across runs.
 */
export function replyMessageId(inReplyTo: string, findings: readonly Finding[], from: string): string {
  const hash = createHash('sha256').update(inReplyTo);
  for (const f of findings) hash.update('\0').update(f.fingerprint);
  const domain = from.includes('@') ? from.slice(from.lastIndexOf('@') + 1) : 'patchsentry.invalid';
  return `<patchsentry.${hash.digest('hex').slice(0, 24)}@${domain}>`;
}

function renderBody(patch: Patch, findings: readonly Finding[], options: ReplyOptions): string {
  const { message } = patch;
  const author = message.author ?? message.from;
  const who = author ? author.name || author.address : 'you';
  const when = message.date ? `On ${rfc5322Date(new Date(message.date))}, ` : '';
  const out: string[] = [...wrap(`${when}${who} wrote:`, MAX_COLUMNS)];
  const patches = [patch, ...(options.related ?? []).filter((p) => p !== patch)];
  const quotedFiles = new Set<string>();
  const blocks = ruleBlocks(findings, diffOrder(patches));
  const policies = [...new Set(findings.map((f) => f.policy))];
  // Said once per reply: where the policy is written and how to waive.
  const footer =
    `Policy: ${policies.join('; ')}. A maintainer waives a finding by replying "${options.pack.waiverTrailer}: <rule> <reason>".`;
  blocks.forEach((block, b) => {
    const { notes, rationale } = splitMessages(block.findings);
    block.findings.forEach((finding, i) => {
      const quote = quoteFinding(finding, patches, QUOTE_BUDGET);
      if (quote) {
        const { file } = quote;
        const key = `${file.oldPath ?? ''}\0${file.newPath ?? ''}`;
        if (!quotedFiles.has(key)) {
          quotedFiles.add(key);
          out.push(quoteLine(file.newPath === null ? `--- a/${file.oldPath ?? file.path}` : `+++ b/${file.newPath}`));
        }
        out.push(...quote.lines.map((l) => (l === null ? '> [...]' : quoteLine(l))));
      } else {
        // Nothing in the diff to point at (a finding on a cover letter): its evidence, as given.
        const marker = finding.side === 'old' ? '-' : '+';
        out.push(quoteLine(`+++ b/${finding.path}`), ...finding.evidence.slice(0, QUOTE_BUDGET).map((e) => quoteLine(`${marker}${e}`)));
      }
      out.push('', ...wrap(notes[i]!, WIDTH));
      const asked = finding.waiverRequest;
      if (asked) out.push(...wrap(`Waiver requested; needs a maintainer's ack (${asked.why}): "${asked.reason}".`, WIDTH));
      out.push('');
    });
    // One paragraph per rule: its severity and reasoning; the last one also carries the footer.
    const label = `${block.rule} (${severityLabel(block.findings)})`;
    const text = rationale ? `${label}: ${rationale}` : `${label}.`;
    out.push(...wrap(b === blocks.length - 1 ? `${text} ${footer}` : text, WIDTH));
    if (b < blocks.length - 1) out.push('');
  });
  const lore = (options.links ?? DEFAULT_LINK_BASES).lore;
  if (message.messageId !== null && lore !== null) out.push(loreLink(message.messageId, lore));
  out.push('', '-- ', `patchsentry ${version}: automated review of ${options.pack.wording.reviews}`);
  return out.join('\n') + '\n';
}

/** Lines of extra statements a finding may quote beyond its first (see quote.ts). */
const QUOTE_BUDGET = 4;

/** The patch on lore.kernel.org (or the configured archive); the URL stays whole even past 79 columns. */
export function loreLink(messageId: string, base = DEFAULT_LINK_BASES.lore ?? 'https://lore.kernel.org/xen-devel/'): string {
  const url = `${base}${escapeMessageId(messageId.replace(/^\s*<|>\s*$/g, ''))}/`;
  return columns(`The patch: ${url}`) <= MAX_COLUMNS ? `The patch: ${url}` : url;
}

interface RuleBlock {
  readonly rule: string;
  readonly findings: readonly Finding[];
}

const RANK = { error: 0, warning: 1, info: 2 } as const;
const LABEL = { error: 'error', warning: 'warning', info: 'note' } as const;

/** One block per rule, the most severe rule first; in a block, the findings in diff order. */
function ruleBlocks(findings: readonly Finding[], fileOrder: ReadonlyMap<string, number>): RuleBlock[] {
  const byRule = new Map<string, Finding[]>();
  for (const f of findings) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
  const worst = (list: readonly Finding[]): number => Math.min(...list.map((f) => RANK[f.severity]));
  const place = (f: Finding): number => fileOrder.get(f.path) ?? fileOrder.size;
  return [...byRule.entries()]
    .map(([rule, list]) => ({ rule, findings: [...list].sort((a, b) => place(a) - place(b) || a.line - b.line) }))
    .sort((a, b) => worst(a.findings) - worst(b.findings));
}

/** Each path's place in the diffs of the patches, first patch first. */
function diffOrder(patches: readonly Patch[]): Map<string, number> {
  const order = new Map<string, number>();
  for (const patch of patches) for (const file of patch.diff.files) for (const path of [file.path, file.oldPath, file.newPath]) if (path !== null && !order.has(path)) order.set(path, order.size);
  return order;
}

function severityLabel(findings: readonly Finding[]): string {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(LABEL[f.severity], (counts.get(LABEL[f.severity]) ?? 0) + 1);
  if (counts.size === 1) return [...counts.keys()][0]!;
  return [...counts].map(([label, n]) => `${n} ${label}${n > 1 ? 's' : ''}`).join(', ');
}

/**
 * A rule's findings share their reasoning: each message is "what this is" followed by the
 * rule's why and what to do. The sentences every finding of the block says are the
 * rationale, given once; each finding keeps its first sentence and what only it says. A
 * "(see …)" pointer to the policy is dropped: the reply names the policy once, at its end.
 */
function splitMessages(findings: readonly Finding[]): { notes: string[]; rationale: string } {
  const sentences = findings.map((f) => sentencesOf(f.message));
  const common = sentences[0]!.slice(1).filter((s) => sentences.every((list) => list.slice(1).includes(s)));
  const notes = sentences.map((list) => [list[0]!, ...list.slice(1).filter((s) => !common.includes(s))].join(' '));
  return { notes, rationale: common.length > 0 ? common.join(' ') : '' };
}

/** Sentences of a message, each ending with its full stop, "(see …)" pointers removed. */
export function sentencesOf(message: string): string[] {
  const text = message.replace(/\s*\(see (?:[^()]|\([^()]*\))*\)/g, '').replace(/,\s*see (?:[^.()]|\.(?!\s|$)|\([^()]*\))*(?=\.(?:\s|$))/g, '');
  const out: string[] = [];
  let start = 0;
  // A full stop ends a sentence when a space follows (file names such as hvm.c have none).
  for (const match of text.matchAll(/\.(?=\s+\S)/g)) {
    const end = match.index + 1;
    if (/\b(?:e\.g|i\.e|etc|vs)\.$/.test(text.slice(start, end))) continue;
    out.push(text.slice(start, end).trim());
    start = end;
  }
  const rest = text.slice(start).trim();
  if (rest) out.push(/[.!?]$/.test(rest) ? rest : `${rest}.`);
  return out.filter((s) => s !== '.');
}

/** `> ` + the line, cut to fit under 80 columns (tabs count to the next multiple of 8). */
export function quoteLine(text: string): string {
  const line = `> ${text}`.replace(/\s+$/, '');
  if (columns(line) <= MAX_COLUMNS) return line;
  let cut = '';
  for (const ch of line) {
    if (columns(cut + ch) > MAX_COLUMNS - 4) break;
    cut += ch;
  }
  return `${cut} ...`;
}

export function columns(line: string): number {
  let width = 0;
  for (const ch of line) width = ch === '\t' ? width + 8 - (width % 8) : width + 1;
  return width;
}

/** Word wrap at `width`; a single word longer than the width is broken at MAX_COLUMNS. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let rest = word;
    while (rest.length > MAX_COLUMNS) {
      if (line) out.push(line);
      out.push(rest.slice(0, MAX_COLUMNS));
      rest = rest.slice(MAX_COLUMNS);
      line = '';
    }
    if (!line) line = rest;
    else if (line.length + 1 + rest.length <= width) line += ` ${rest}`;
    else {
      out.push(line);
      line = rest;
    }
  }
  if (line) out.push(line);
  return out;
}

export function formatAddress(a: Address): string {
  if (!a.name) return a.address;
  return /^[\w !#$%&'*+/=?^`{|}~.-]*$/.test(a.name) && !/^\s|\s$/.test(a.name) ? `${a.name} <${a.address}>` : `"${a.name.replace(/(["\\])/g, '\\$1')}" <${a.address}>`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date in UTC: `Wed, 25 Nov 2026 10:00:00 +0000`. */
export function rfc5322Date(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return (
    `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`
  );
}

/**
 * The whole message as RFC 5322 text with LF line ends: header values that are not ASCII
 * become RFC 2047 encoded words, long header lines are folded at spaces.
 */
export function formatEmail(reply: EmailReply): string {
  const lines: string[] = [];
  for (const [name, value] of reply.headers) lines.push(fold(`${name}: ${encodeHeader(name, value)}`));
  return `${lines.join('\n')}\n\n${reply.body}`;
}

const ADDRESS_FIELDS = new Set(['from', 'to', 'cc']);

function encodeHeader(name: string, value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  if (!ADDRESS_FIELDS.has(name.toLowerCase())) return encodeWords(value);
  // Only display names are encoded; the addresses stay readable.
  return value.replace(/(?:"((?:[^"\\]|\\.)*)"|([^,<>"]+?))\s*<([^<>]+)>/g, (whole, quoted: string | undefined, bare: string | undefined, address: string) => {
    const display = (quoted ?? bare ?? '').replace(/\\(.)/g, '$1').trim();
    return /^[\x20-\x7e]*$/.test(display) ? whole : `${encodeWords(display)} <${address}>`;
  });
}

/** RFC 2047 B-encoded words of at most 75 characters, split on character boundaries. */
function encodeWords(text: string): string {
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join(' ');
}

function fold(line: string): string {
  if (line.length <= 78) return line;
  const out: string[] = [];
  let current = '';
  for (const token of line.split(' ')) {
    if (current && current.length + 1 + token.length > 78) {
      out.push(current);
      current = ` ${token}`;
    } else current = current ? `${current} ${token}` : token;
  }
  out.push(current);
  return out.join('\n');
}
