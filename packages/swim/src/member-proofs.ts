import { SignedBytes, type Instant, type RecordSigning } from '@trellis/runtime';
import { compareBytes, type MemberRecord, type MemberTable } from '@trellis/membership';
import { toMemberMessage } from './member-codec.js';
import type { MemberMessage } from './messages.js';

/** Who signed a member record, and the signature. */
interface Proof {
  readonly signer: string;
  readonly sig: Uint8Array;
}

/** A record's signatures by signer: its member's own, or each accuser's (confirmations). */
type Proofs = Map<string, Uint8Array>;

/** A member's own record as messages: in full, and as gossip sends it; under certificate `ref`. */
interface Made {
  readonly ref: Uint8Array | undefined;
  readonly full: MemberMessage;
  readonly gossip: MemberMessage;
}

/**
 * Member records with identity on: an `alive` or `left` record is signed by the member itself
 * and carries its certificate; a `suspect` or `dead` record is a claim, signed by its accuser
 * (`by`), which must be an admitted member; a refutation is the suspect's own signed record. The
 * proofs of the records in the table are kept beside it, so that relays and push-pull hand on
 * the original signature, and our own records are signed once.
 *
 * Without identity (`noSigning`) nothing is signed or checked, and messages are as before.
 */
export class MemberProofs {
  readonly #signing: RecordSigning;
  readonly #selfId: string;
  readonly #table: MemberTable;
  readonly #proofs = new WeakMap<MemberRecord, Proofs>();
  readonly #made = new WeakMap<MemberRecord, Made>();

  constructor(signing: RecordSigning, selfId: string, table: MemberTable) {
    this.#signing = signing;
    this.#selfId = selfId;
    this.#table = table;
  }

  get enabled(): boolean {
    return this.#signing.enabled;
  }

  /**
   * The message for `r`: with its proof (ours, made now if need be) and, for a record of the
   * member itself, its certificate (`full`: join and push-pull exchanges, answers to a query).
   * In gossip (`ref`), where the same record goes out many times and most receivers hold it
   * already, a `left` record names its certificate by digest (`cr`) and an `alive` record is a
   * reference as a whole: `cr` without the signature. A receiver that holds it needs neither; one
   * that does not asks us for it in full (`CertificateQueries`). `by` names the accuser of a
   * claim we pass on.
   */
  message(r: MemberRecord, by?: string, cert: 'full' | 'ref' = 'full'): MemberMessage {
    if (!this.#signing.enabled) return toMemberMessage(r, by);
    if (r.status === 'suspect' || r.status === 'dead') {
      const proof = this.#proof(r, by);
      const base = toMemberMessage(r);
      return proof === undefined ? toMemberMessage(r, by) : { ...base, by: proof.signer, sg: proof.sig };
    }
    // A member's own record goes out once per gossip transmission, join and answer: built once
    // per record and certificate (a renewed certificate makes new messages).
    const made = this.#made.get(r);
    const ref = this.#signing.certificateRef(r.id);
    if (made !== undefined && made.ref === ref) return cert === 'ref' ? made.gossip : made.full;
    const proof = this.#proof(r, undefined);
    if (proof === undefined) return toMemberMessage(r, by);
    const messages = this.#messages(r, proof.sig, ref);
    this.#made.set(r, messages);
    return cert === 'ref' ? messages.gossip : messages.full;
  }

  #messages(r: MemberRecord, sg: Uint8Array, ref: Uint8Array | undefined): Made {
    const base = toMemberMessage(r);
    const c = this.#signing.certificateOf(r.id);
    const full: MemberMessage = c === undefined ? { ...base, sg } : { ...base, sg, c };
    if (ref === undefined) return { ref, full, gossip: full };
    const gossip: MemberMessage = r.status === 'alive' ? { ...base, cr: ref } : { ...base, sg, cr: ref };
    return { ref, full, gossip };
  }

  /**
   * Why a peer's member message is refused before it is merged, or undefined. Copies of what we
   * hold cost nothing: only a message that would change the table, or confirm a suspicion, is
   * checked (a claim's incarnation, a certificate, then the signature of whoever must have
   * signed it).
   */
  check(now: Instant, msg: MemberMessage): string | undefined {
    if (!this.#signing.enabled) return undefined;
    const existing = this.#table.get(msg.id);
    const confirms = msg.s === 1 && msg.by !== undefined;
    // Before any certificate or signature work: a copy of what we hold costs nothing.
    if (!confirms && existing !== undefined && notNewer(msg, existing)) return undefined;
    if (msg.s === 1 || msg.s === 2) {
      // A claim names an incarnation its member signed: one above any we know would let an
      // accuser drive the member's incarnation up to where its refutation cannot follow.
      if (existing === undefined || msg.i > existing.incarnation) return 'claimAhead';
      // The accuser signs a claim, but the address and metadata in it are the member's: a claim
      // that changed them would send the member's traffic wherever an admitted accuser likes.
      if (
        msg.i === existing.incarnation &&
        (msg.a !== existing.addr || compareBytes(msg.md, existing.meta) !== 0)
      )
        return 'claimMismatch';
    }
    if (msg.c !== undefined) {
      const refused = this.#signing.admit(msg.id, msg.c, now);
      if (refused !== undefined) return refused;
    } else if ((msg.s === 0 || msg.s === 3) && msg.cr !== undefined) {
      // Named by digest only: until the certificate itself arrives (the caller asks the sender
      // for it) and verifies, nothing signed under it counts, whatever key we held before.
      if (!this.#signing.holdsCertificate(msg.id, msg.cr)) return 'certificateUnknown';
      // A reference to a record we lack (no signature): the same, asked for in full.
      if (msg.sg === undefined) return 'recordByReference';
    }
    return this.#signatureRefusal(now, msg);
  }

  /**
   * Did the member itself sign `msg` (an alive or left record)? Always true without identity.
   * Checked even on copies, for what only the member's key can prove: that it runs elsewhere.
   */
  signedByMember(now: Instant, msg: MemberMessage): boolean {
    if (!this.#signing.enabled) return true;
    return (msg.s === 0 || msg.s === 3) && this.#signatureRefusal(now, msg) === undefined;
  }

  #signatureRefusal(now: Instant, msg: MemberMessage): string | undefined {
    const signer = signerOf(msg);
    if (signer === undefined || msg.sg === undefined) return 'unsigned';
    if (!this.#signing.admitted(signer, now)) return 'unknownSigner';
    return this.#signing.verify(signer, payload(msg, signer), msg.sg) ? undefined : 'badSignature';
  }

  /** A peer's record (or a confirmation of it) checked and in the table: keep its signature. */
  remember(r: MemberRecord, msg: MemberMessage): void {
    const signer = signerOf(msg);
    if (!this.#signing.enabled || signer === undefined || !(msg.sg instanceof Uint8Array)) return;
    this.#of(r).set(signer, msg.sg);
  }

  /**
   * The proof to send `r` with: `by`'s signature if we hold it (an accuser's confirmation), else
   * the first we hold; ours, made now, for our own record or a claim of ours.
   */
  #proof(r: MemberRecord, by: string | undefined): Proof | undefined {
    const proofs = this.#of(r);
    const claim = r.status === 'suspect' || r.status === 'dead';
    const wanted = claim ? by : r.id;
    const held = wanted === undefined ? undefined : proofs.get(wanted);
    if (held !== undefined) return { signer: wanted!, sig: held };
    if (wanted === this.#selfId || (claim && wanted === undefined && proofs.size === 0)) {
      // Our own record, or a claim of ours (we suspected, confirmed or buried the member).
      const sig = this.#signing.sign(payload(toMemberMessage(r), this.#selfId));
      proofs.set(this.#selfId, sig);
      return { signer: this.#selfId, sig };
    }
    const first = proofs.entries().next();
    return first.done === true ? undefined : { signer: first.value[0], sig: first.value[1] };
  }

  #of(r: MemberRecord): Proofs {
    let proofs = this.#proofs.get(r);
    if (proofs === undefined) this.#proofs.set(r, (proofs = new Map<string, Uint8Array>()));
    return proofs;
  }
}

const rankOf: Readonly<Record<MemberRecord['status'], number>> = { alive: 0, suspect: 1, dead: 2, left: 3 };

/**
 * `compareRecords(msg's record, held) <= 0` without building the record: every gossiped copy
 * of a record we hold asks this (status codes are the statuses' lattice ranks).
 */
export function notNewer(msg: MemberMessage, held: MemberRecord): boolean {
  if (msg.i !== held.incarnation) return msg.i < held.incarnation;
  const rank = rankOf[held.status];
  if (msg.s !== rank) return msg.s < rank;
  if (msg.a !== held.addr) return msg.a < held.addr;
  return compareBytes(msg.md, held.meta) <= 0;
}

/** The member itself for its own `alive` and `left` records; the accuser for a claim. */
function signerOf(msg: MemberMessage): string | undefined {
  return msg.s === 1 || msg.s === 2 ? msg.by : msg.id;
}

/** The bytes a member record's signature covers: every field of the record, and its signer. */
function payload(msg: MemberMessage, signer: string): Uint8Array {
  return new SignedBytes('trellis-member-v1')
    .string(msg.id)
    .string(msg.a)
    .uint(msg.i)
    .uint(msg.s)
    .bytes(msg.md)
    .string(signer)
    .finish();
}
