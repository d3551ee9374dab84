import { parseAddressList, type Address } from '../ingest/message.js';
import type { Trailer } from '../ingest/patch.js';
import { roleFor, type Maintainers } from './maintainers.js';

/**
 * Waivers: a pack's waiver trailers (`RulePack.waiverTrailer`; xen-altp2m's is shown), and who
 * may give one (docs/policy.md#waivers).
 *
 * Two forms are read:
 *
 *     Altp2m-Policy-Ack: altp2m-domctl creation-time option only, agreed on the list
 *     Altp2m-Policy-Ack: Jan Keeper <jan.keeper@example.com> # altp2m-domctl creation-time option only
 *
 * The first says the rule and the reason; it is given by whoever sent the message it is in
 * (the patch's author for a trailer in the patch, the sender for one in a reply). The second
 * names the person first, as every trailer that `b4 am` and `b4 trailers -u` carry from a
 * reply into the applied patch does (b4 takes a trailer from a follow-up only when its value
 * holds an e-mail address, and keeps a ` # comment` after it), so a maintainer's ack given
 * on the list survives into the commit and the next version of the series.
 *
 * An ack counts when its giver is not the patch's author and is a maintainer or reviewer of
 * the finding's file (MAINTAINERS M:/R:) or on the config's `trusted` list. Otherwise it is a
 * waiver *requested*: the finding keeps its severity and says so.
 */
export interface Ack {
  readonly rule: string;
  readonly reason: string;
  /** Who gave it; null when nobody can be told (no From, no name in the trailer). */
  readonly by: Address | null;
}

/** Who may waive, besides the maintainers and reviewers of a file. */
export interface WaiverAuthority {
  readonly maintainers?: Maintainers;
  /** The config's `trusted` people. */
  readonly trusted?: readonly Address[];
}

/** One waiver trailer read, or why it cannot count. */
export type ReadAck = { readonly ack: Ack } | { readonly problem: string };

/**
 * Reads one value of the trailer `trailerKey`. `sender` gives the first form; `knownRules` are
 * the rule ids a trailer may name: another name, or no reason, is a problem to report, never a
 * waiver.
 */
export function readAck(value: string, sender: Address | null, knownRules: readonly string[], trailerKey: string): ReadAck {
  let by = sender;
  let text = value.trim();
  const person = /^(.*?<[^<>@\s]+@[^<>\s]+>)\s*#\s*(.*)$/.exec(text);
  if (person) {
    by = parseAddressList(person[1]!)[0] ?? sender;
    text = person[2]!.trim();
  }
  const [rule = '', ...words] = text.split(/\s+/);
  const reason = words.join(' ').trim();
  const shown = `${trailerKey}: ${value.trim()}`;
  if (!knownRules.includes(rule)) {
    return { problem: `${shown}: names no rule of this pack ("${rule}"; the rules are ${knownRules.join(', ')}), so it waives nothing` };
  }
  if (reason === '') return { problem: `${shown}: gives no reason, so it waives nothing (write "${trailerKey}: ${rule} <reason>")` };
  return { ack: { rule, reason, by } };
}

/** The acks of a message's `trailerKey` trailers, and the problems of those that cannot count. */
export function acksOf(trailers: readonly Trailer[], sender: Address | null, knownRules: readonly string[], trailerKey: string): { acks: Ack[]; problems: string[] } {
  const acks: Ack[] = [];
  const problems: string[] = [];
  for (const trailer of trailers) {
    if (trailer.key.toLowerCase() !== trailerKey.toLowerCase()) continue;
    const read = readAck(trailer.value, sender, knownRules, trailerKey);
    if ('ack' in read) acks.push(read.ack);
    else problems.push(read.problem);
  }
  return { acks, problems };
}

/** The verdict on one ack for a finding on `path` of a patch by `author`. */
export type Verdict = { readonly granted: true } | { readonly granted: false; readonly why: string };

export function judgeAck(ack: Ack, path: string, author: Address | null, authority: WaiverAuthority): Verdict {
  const by = ack.by?.address.toLowerCase();
  if (by === undefined) return { granted: false, why: 'nobody is named as giving it' };
  if (author && author.address.toLowerCase() === by) return { granted: false, why: "it is the patch author's own" };
  if (authority.trusted?.some((p) => p.address.toLowerCase() === by)) return { granted: true };
  if (authority.maintainers && roleFor(authority.maintainers, path, by) !== null) return { granted: true };
  const known = authority.maintainers ? `neither a maintainer or reviewer of ${path} nor trusted` : 'not on the trusted list (and no MAINTAINERS file was given)';
  return { granted: false, why: `${formatPerson(ack.by!)} is ${known}` };
}

export function formatPerson(a: Address): string {
  return a.name ? `${a.name} <${a.address}>` : a.address;
}
