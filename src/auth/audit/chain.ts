/**
 * The tamper-evident hash chain of the audit log (**Quiver**). Pure: no I/O.
 *
 * Every line is the event's JSON object followed by
 * - `seq`: 1, 2, 3, … across files and restarts;
 * - `prev_hash`: on the first line of each file only, the `hash` of the line before it (64 zeros before the very
 *   first line), so a verifier can anchor at the oldest file that retention kept;
 * - `hash`, always the last member: `hex(HMAC-SHA256(key, previous hash ‖ body))`, where `body` is the line's
 *   exact text with its final `,"hash":"…"` member removed — i.e. the canonical form is the bytes as written, so
 *   the check needs no re-serialization and any change of a byte (reformatting, a duplicate key, a reordered
 *   member) breaks it. Any language verifies a line with one regex and one HMAC.
 *
 * Without the key nobody can produce a line, or a checkpoint, that verifies. What the chain does *not* detect is
 * described in `verify.ts`.
 *
 * @example
 * {"timestamp":"2030-06-01T12:00:00.000Z","method":"get_collections","api":"/collections","auth_type":"ApiKey","result":"ok","seq":1,"prev_hash":"000…000","hash":"5e1c…"}
 */
import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import type { AuditEvent } from '../audit-event.js';

/** The `prev_hash` of the first line ever written. */
export const GENESIS_HASH = '0'.repeat(64);

/** Fields the chain adds to each line; an event's own fields of these names are dropped. */
export const CHAIN_FIELDS: ReadonlySet<string> = new Set(['seq', 'hash', 'prev_hash']);

const HASH_RE = /^[0-9a-f]{64}$/;
/** The final member of every line. */
const HASH_SUFFIX_RE = /,"hash":"([0-9a-f]{64})"\}$/;
const HASH_SUFFIX_CHARS = ',"hash":"'.length + 64 + '"}'.length;

/** Where the chain stands: the last line's `seq` (0 before the first line) and `hash`. */
export interface ChainState {
  readonly seq: number;
  readonly hash: string;
}

/** The state before any line. */
export const GENESIS: ChainState = { seq: 0, hash: GENESIS_HASH };

/** SHA-256's block size: HMAC pads its key to this. */
const BLOCK_BYTES = 64;

/** A key's HMAC pads (RFC 2104): `key ⊕ ipad`, `key ⊕ opad`. */
interface HmacPads {
  readonly inner: Buffer;
  readonly outer: Buffer;
}

const padsByKey = new WeakMap<Buffer, HmacPads>();

function padsOf(key: Buffer): HmacPads {
  let pads = padsByKey.get(key);
  if (pads === undefined) {
    const k = key.length > BLOCK_BYTES ? hash('sha256', key, 'buffer') : key;
    const inner = Buffer.alloc(BLOCK_BYTES, 0x36);
    const outer = Buffer.alloc(BLOCK_BYTES, 0x5c);
    for (let i = 0; i < k.length; i++) {
      inner[i]! ^= k[i]!;
      outer[i]! ^= k[i]!;
    }
    pads = { inner, outer };
    padsByKey.set(key, pads);
  }
  return pads;
}

/**
 * `hex(HMAC-SHA256(key, a ‖ b))` (UTF-8), computed as RFC 2104 spells it, `H(key⊕opad ‖ H(key⊕ipad ‖ message))`,
 * with two one-shot `crypto.hash` calls and the pads derived once per key: a `createHmac` object per line cost
 * several times more (CPU and garbage) on the request path, where every access decision seals a line. Equal to
 * `createHmac` for every key (unit-tested).
 */
function hmacHex(key: Buffer, a: string, b: string): string {
  if (typeof hash !== 'function') return createHmac('sha256', key).update(a).update(b).digest('hex');
  const pads = padsOf(key);
  const aBytes = Buffer.byteLength(a);
  const message = Buffer.allocUnsafe(BLOCK_BYTES + aBytes + Buffer.byteLength(b));
  pads.inner.copy(message, 0);
  message.write(a, BLOCK_BYTES, 'utf8');
  message.write(b, BLOCK_BYTES + aBytes, 'utf8');
  const innerDigest = hash('sha256', message, 'buffer');
  return hash('sha256', Buffer.concat([pads.outer, innerDigest], BLOCK_BYTES + 32), 'hex');
}

/** `hex(HMAC-SHA256(key, prevHash ‖ body))`; `body` is the line's text without its `hash` member. */
export function chainHash(key: Buffer, prevHash: string, body: string): string {
  return hmacHex(key, prevHash, body);
}

function hasChainField(event: object): boolean {
  return Object.hasOwn(event, 'seq') || Object.hasOwn(event, 'hash') || Object.hasOwn(event, 'prev_hash');
}

/**
 * The next line of the chain for `event` (without the trailing newline) and the state after it.
 * @param firstInFile - the line opens a file, so it records `prev_hash`
 */
export function sealLine(key: Buffer, prev: ChainState, event: AuditEvent, firstInFile: boolean): { line: string; state: ChainState } {
  const json = JSON.stringify(hasChainField(event) ? eventOf(event as unknown as Record<string, unknown>) : event);
  const seq = prev.seq + 1;
  const chain = `"seq":${seq}${firstInFile ? `,"prev_hash":"${prev.hash}"` : ''}}`;
  const body = json === '{}' ? `{${chain}` : `${json.slice(0, -1)},${chain}`;
  const hash = chainHash(key, prev.hash, body);
  return { line: `${body.slice(0, -1)},"hash":"${hash}"}`, state: { seq, hash } };
}

/** A line read back, with its chain fields checked for shape only. */
export interface ChainLine {
  /** The whole parsed object, chain fields included. */
  readonly record: Record<string, unknown>;
  /** The text the hash covers: the line without its final `hash` member. */
  readonly body: string;
  readonly seq: number;
  readonly hash: string;
  readonly prevHash?: string;
}

/**
 * Parses a line; `undefined` when it is not a JSON object ending with a `hash` member and holding a positive
 * integer `seq` (and a well-formed `prev_hash`, if any).
 */
export function parseChainLine(text: string): ChainLine | undefined {
  const m = HASH_SUFFIX_RE.exec(text);
  if (m === null) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
  const r = record as Record<string, unknown>;
  const { seq, prev_hash: prevHash } = r;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  if (prevHash !== undefined && (typeof prevHash !== 'string' || !HASH_RE.test(prevHash))) return undefined;
  const body = `${text.slice(0, -HASH_SUFFIX_CHARS)}}`;
  const hash = m[1] as string;
  return prevHash === undefined ? { record: r, body, seq, hash } : { record: r, body, seq, hash, prevHash };
}

/** The event a line records: the line without its chain fields. */
export function eventOf(record: Record<string, unknown>): AuditEvent {
  const event: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (!CHAIN_FIELDS.has(k)) event[k] = v;
  return event as unknown as AuditEvent;
}

// ---------------------------------------------------------------------------------------------------------------
// The checkpoint `audit.head`

/**
 * The checkpoint: the chain's latest state and the first `seq` retention keeps, MACed with the chain key.
 * It lets the verifier detect what the chain alone cannot: lines deleted from the end of the newest file, and
 * whole files deleted from the old end outside retention.
 */
export interface Checkpoint {
  /** Incremented on every write; the reader keeps the valid slot with the highest. */
  readonly gen: number;
  readonly seq: number;
  readonly hash: string;
  /** `seq` of the first line of the oldest file retention keeps (1 until retention deletes a file). */
  readonly firstSeq: number;
}

/** The checkpoint file in the audit directory. */
export const CHECKPOINT_FILE = 'audit.head';

/** Bytes per checkpoint slot. `audit.head` holds two; a slot never crosses a 512-byte sector. */
export const CHECKPOINT_SLOT_BYTES = 256;

const CHECKPOINT_DOMAIN = 'quiver-audit-head\n';

function checkpointMac(key: Buffer, c: Checkpoint): string {
  return hmacHex(key, CHECKPOINT_DOMAIN, `${c.gen} ${c.seq} ${c.hash} ${c.firstSeq}`);
}

/** One slot: the checkpoint as a JSON line, padded with spaces to {@link CHECKPOINT_SLOT_BYTES}. */
export function encodeCheckpoint(key: Buffer, c: Checkpoint): Buffer {
  const json = JSON.stringify({ gen: c.gen, seq: c.seq, hash: c.hash, first_seq: c.firstSeq, mac: checkpointMac(key, c) });
  const slot = Buffer.alloc(CHECKPOINT_SLOT_BYTES, 0x20);
  slot.write(json, 0, 'utf8');
  slot[CHECKPOINT_SLOT_BYTES - 1] = 0x0a;
  return slot;
}

/** Decodes one slot; `undefined` when it is empty, torn, or its MAC does not verify with `key`. */
export function decodeCheckpoint(key: Buffer, slot: Buffer): Checkpoint | undefined {
  let v: unknown;
  try {
    v = JSON.parse(slot.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { gen, seq, hash, first_seq: firstSeq, mac } = v as Record<string, unknown>;
  const ints = [gen, seq, firstSeq].every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0);
  if (!ints || typeof hash !== 'string' || !HASH_RE.test(hash) || typeof mac !== 'string' || !HASH_RE.test(mac)) return undefined;
  const c: Checkpoint = { gen: gen as number, seq: seq as number, hash, firstSeq: firstSeq as number };
  return timingSafeEqual(Buffer.from(checkpointMac(key, c), 'hex'), Buffer.from(mac, 'hex')) ? c : undefined;
}

/**
 * The checkpoint in an `audit.head` file's bytes: the valid slot with the highest generation.
 * @returns `missing` for no file, `invalid` when neither slot verifies (edited, or another key)
 */
export function readCheckpoint(
  key: Buffer,
  bytes: Buffer | undefined,
): { readonly state: 'missing' } | { readonly state: 'invalid' } | { readonly state: 'ok'; readonly checkpoint: Checkpoint } {
  // An empty file is a checkpoint that was being created when the process stopped.
  if (bytes === undefined || bytes.length === 0) return { state: 'missing' };
  let best: Checkpoint | undefined;
  for (const slot of [0, 1]) {
    const part = bytes.subarray(slot * CHECKPOINT_SLOT_BYTES, (slot + 1) * CHECKPOINT_SLOT_BYTES);
    const c = part.length === CHECKPOINT_SLOT_BYTES ? decodeCheckpoint(key, part) : undefined;
    if (c !== undefined && (best === undefined || c.gen > best.gen)) best = c;
  }
  return best === undefined ? { state: 'invalid' } : { state: 'ok', checkpoint: best };
}
