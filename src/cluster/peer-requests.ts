/**
 * Requests one node makes to another over NATS request/reply (distributed mode with a shard placement): a read
 * fanned out to the holders of shards this node does not hold, and "tell me when you applied sequence S of
 * shard X" for a `wait=true` write of a shard this node does not hold. Each node listens on subjects under its
 * deployment and its peer id (`<deployment>.peer.<peer id>.read|applied`; snapshot pages: `snapshot-transfer.ts`); only clients with the cluster's NATS
 * credentials reach them (the same account as the streams), and a request carries no privilege: the node that
 * received the client's request authorized and audited it, and a read request carries the tenant filter of a
 * confined token, which the answering node applies (together with the shards asked for).
 *
 * "Applied" bodies are exact JSON (bigints as digits). Read bodies carry the engine's typed request and result (Maps,
 * Sets, typed arrays, bigints) in V8's structured serialisation (`node:v8`), which rebuilds plain data only (no
 * code, no prototypes of its own); a message is only accepted from the cluster's NATS account. An answer is
 * `{"ok": result}` or `{"error": {"code", "message"}}`, in the request's codec, sent as one or more reply messages
 * of at most NATS `max_payload` (1 MiB by default) followed by an empty one: a page of points with their payloads
 * can be larger than one message (a single reply past `max_payload` was refused by NATS, silently for the asking
 * node, which saw a timeout).
 */
import { deserialize, serialize } from 'node:v8';
import { RequestStrategy, type Msg, type NatsConnection, type Subscription } from 'nats';
import { AppError, isAppError, reviveAppError, unexpectedError } from '../errors.js';
import { parseExactJson, stringifyExact } from '../exact-json.js';

export type PeerAnswer = { readonly ok: unknown } | { readonly error: { readonly code: string; readonly message: string } };

/** How the bodies of one kind of peer request are written. */
export interface PeerCodec {
  encode(value: unknown): Uint8Array;
  decode(data: Uint8Array): unknown;
}

/** Exact JSON (bigints as digits). */
export const JSON_CODEC: PeerCodec = {
  encode: (value) => new TextEncoder().encode(stringifyExact(value).text),
  decode: (data) => parseExactJson(new TextDecoder().decode(data)),
};

/** V8's structured serialisation: the engine's typed values as they are (a typed array view: its own bytes only). */
export const STRUCTURED_CODEC: PeerCodec = {
  encode: (value) => serialize(value),
  decode: (data) => deserialize(data) as unknown,
};

/** NATS's largest message on `nc` (its server's `max_payload`). */
function maxPayload(nc: NatsConnection): number {
  return nc.info?.max_payload ?? 1024 * 1024;
}

/** The answer to a request that failed with `e` (an AppError keeps its code and message). */
function errorAnswer(e: unknown): PeerAnswer {
  const err = isAppError(e) ? e : unexpectedError(e);
  return { error: { code: err.code, message: err.message } };
}

/** Answers every request on `subject` with `handle(request)`; returns the subscription (to stop it). */
export function servePeer(nc: NatsConnection, subject: string, handle: (request: unknown) => Promise<unknown>, log: { warn(message: string): void }, codec: PeerCodec = JSON_CODEC): Subscription {
  return nc.subscribe(subject, {
    callback: (err, msg: Msg) => {
      if (err !== null) {
        log.warn(`cluster: peer subscription ${subject}: ${err.message}`);
        return;
      }
      void (async () => {
        let answer: PeerAnswer;
        try {
          answer = { ok: await handle(codec.decode(msg.data)) };
        } catch (e) {
          answer = errorAnswer(e);
        }
        let body: Uint8Array;
        try {
          body = codec.encode(answer);
        } catch (e) {
          body = codec.encode(errorAnswer(e));
        }
        // The answer in parts of at most max_payload (less room for the protocol), then the empty end mark.
        const part = Math.max(1024, maxPayload(nc) - 1024);
        try {
          for (let at = 0; at < body.length; at += part) msg.respond(body.subarray(at, at + part));
          msg.respond(new Uint8Array(0));
        } catch (e) {
          log.warn(`cluster: answer on ${subject} not sent (${body.length} bytes): ${e instanceof Error ? e.message : String(e)}`);
        }
      })();
    },
  });
}

/** Why a request to a peer got no answer (it is down, slow or unreachable): another replica is tried. */
export class PeerUnreachable extends Error {}

/**
 * Sends `request` to `subject`; resolves with the peer's result.
 * @throws the peer's AppError; PeerUnreachable when no answer came within `timeoutMs` (or nobody listens)
 */
export async function askPeer(nc: NatsConnection, subject: string, request: unknown, timeoutMs: number, codec: PeerCodec = JSON_CODEC): Promise<unknown> {
  const data = codec.encode(request);
  if (data.length > maxPayload(nc)) throw new AppError('PAYLOAD_TOO_LARGE', [`a request to another node of ${data.length} bytes exceeds NATS max_payload (${maxPayload(nc)} bytes)`]);
  const parts: Uint8Array[] = [];
  let complete = false;
  try {
    const replies = await nc.requestMany(subject, data, { strategy: RequestStrategy.SentinelMsg, maxWait: timeoutMs });
    for await (const m of replies) {
      if (m.data.length === 0) {
        complete = true;
        break;
      }
      parts.push(m.data);
    }
  } catch (e) {
    throw new PeerUnreachable(e instanceof Error ? e.message : String(e));
  }
  if (!complete) throw new PeerUnreachable(`TIMEOUT: no complete answer within ${timeoutMs} ms`);
  const answer = codec.decode(parts.length === 1 ? parts[0]! : Buffer.concat(parts)) as PeerAnswer;
  if ('error' in answer) throw reviveAppError(answer.error.code, answer.error.message);
  if (!('ok' in answer)) throw new AppError('SERVICE_ERROR', [`a peer answered ${subject} with no result`]);
  return answer.ok;
}
