import { parseMessage } from '../../src/ingest/message.js';
import { toPatch } from '../../src/ingest/patch.js';
import { acksOf, formatPerson } from '../../src/engine/waivers.js';
import type { ThreadAck } from '../../src/engine/engine.js';
import type { MailState } from './state.js';
import type { RulePack } from '../../src/engine/rule.js';

/**
 * Waivers given on the list: a maintainer answers a patch (or the bot's reply to it) with the
 * pack's waiver trailer (`RulePack.waiverTrailer`; xen-altp2m's here)
 *
 *     Altp2m-Policy-Ack: altp2m-domctl creation-time option only
 *
 * or, in the form `b4 trailers -u` carries into the applied patch,
 *
 *     Altp2m-Policy-Ack: Jan Keeper <jan.keeper@example.com> # altp2m-domctl creation-time option only
 *
 * The ack is kept in the state against the patch it was about; the engine then waives that
 * finding on this patch and the same finding (fingerprint) on later versions of the series,
 * when the giver may waive it (src/engine/waivers.ts). Quoted lines (`> …`) never count.
 */
/** What a reply said about waivers, one log line each. */
export interface AckNote {
  readonly outcome: string;
}

/**
 * Reads the acks of a reply and keeps them; the notes say what was kept or why not. A message
 * that is no reply (a patch carries its trailers itself), or has none, gives nothing.
 */
export async function takeReplyAcks(bytes: Buffer, key: string, state: MailState, pack: Pick<RulePack, 'rules' | 'waiverTrailer'>, self: string, now: number): Promise<AckNote[]> {
  // A quick look at the bytes first: most mail holds no such trailer.
  if (!bytes.toString('latin1').toLowerCase().includes(pack.waiverTrailer.toLowerCase())) return [];
  const patch = toPatch(await parseMessage({ index: 0, bytes }));
  const { message } = patch;
  if (patch.kind === 'patch' || patch.kind === 'cover' || message.inReplyTo === null) return [];
  const sender = message.author ?? message.from;
  if (sender && sender.address.toLowerCase() === self.toLowerCase()) return [];
  const { acks, problems } = acksOf(patch.trailers, sender, pack.rules.map((r) => r.id), pack.waiverTrailer);
  const notes: AckNote[] = problems.map((p) => ({ outcome: `warning: ${p}` }));
  if (acks.length === 0) return notes;
  const target = targetOf(message.inReplyTo, message.references, state);
  for (const ack of acks) {
    if (ack.by === null) {
      notes.push({ outcome: `warning: ${pack.waiverTrailer}: ${ack.rule} in a reply with no sender: not kept` });
      continue;
    }
    state.recordThreadAck({ replyKey: key, target, rule: ack.rule, reason: ack.reason, by: ack.by }, now);
    notes.push({ outcome: `waiver given: ${ack.rule} by ${formatPerson(ack.by)} on ${target}` });
  }
  return notes;
}

/**
 * The patch a reply is about: the message our reply answered when it answers ours, else the
 * nearest message of its thread that was reviewed as a patch, else its parent.
 */
function targetOf(inReplyTo: string, references: readonly string[], state: MailState): string {
  for (const id of [inReplyTo, ...[...references].reverse()]) {
    const answered = state.answeredBy(id);
    if (answered !== null) return answered;
    const outcome = state.reviewedOutcome(id)?.outcome;
    if (outcome !== undefined && outcome !== 'not a patch' && !outcome.startsWith('error')) return id;
  }
  return inReplyTo;
}

/** The state's acks as the engine takes them. */
export function threadAcksOf(state: MailState): ThreadAck[] {
  return state.threadAcks().map((a) => ({ rule: a.rule, reason: a.reason, by: a.by, anchors: [a.target], fingerprints: a.fingerprints }));
}
