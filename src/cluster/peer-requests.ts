/**
 * Requests one node makes to another over NATS request/reply (distributed mode with a shard placement): a read
 * fanned out to the holders of shards this node does not hold, and "tell me when you applied sequence S of
 * shard X" for a `wait=true` write of a shard this node does not hold. Each node listens on subjects under its
 * deployment and its peer id (`<deployment>.peer.<peer id>.read|applied`); only clients with the cluster's NATS
 * credentials reach them (the same account as the streams), and a request carries no privilege: the node that
 * received the client's request authorized and audited it, and a read request carries the tenant filter of a
 * confined token, which the answering node applies (together with the shards asked for).
 *
 * Bodies are exact JSON (bigints as digits); an answer is `{"ok": result}` or `{"error": {"code", "message"}}`.
 */
import type { Msg, NatsConnection, Subscription } from 'nats';
import { AppError, isAppError, reviveAppError, unexpectedError } from '../errors.js';
import { parseExactJson, stringifyExact } from '../exact-json.js';

export type PeerAnswer = { readonly ok: unknown } | { readonly error: { readonly code: string; readonly message: string } };

export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(stringifyExact(value).text);
}

export function decodeJson(data: Uint8Array): unknown {
  return parseExactJson(new TextDecoder().decode(data));
}

/** The answer to a request that failed with `e` (an AppError keeps its code and message). */
function errorAnswer(e: unknown): PeerAnswer {
  const err = isAppError(e) ? e : unexpectedError(e);
  return { error: { code: err.code, message: err.message } };
}

/** Answers every request on `subject` with `handle(request)`; returns the subscription (to stop it). */
export function servePeer(nc: NatsConnection, subject: string, handle: (request: unknown) => Promise<unknown>, log: { warn(message: string): void }): Subscription {
  return nc.subscribe(subject, {
    callback: (err, msg: Msg) => {
      if (err !== null) {
        log.warn(`cluster: peer subscription ${subject}: ${err.message}`);
        return;
      }
      void (async () => {
        let answer: PeerAnswer;
        try {
          answer = { ok: await handle(decodeJson(msg.data)) };
        } catch (e) {
          answer = errorAnswer(e);
        }
        msg.respond(encodeJson(answer));
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
export async function askPeer(nc: NatsConnection, subject: string, request: unknown, timeoutMs: number): Promise<unknown> {
  let msg: Msg;
  try {
    msg = await nc.request(subject, encodeJson(request), { timeout: timeoutMs });
  } catch (e) {
    throw new PeerUnreachable(e instanceof Error ? e.message : String(e));
  }
  const answer = decodeJson(msg.data) as PeerAnswer;
  if ('error' in answer) throw reviveAppError(answer.error.code, answer.error.message);
  if (!('ok' in answer)) throw new AppError('SERVICE_ERROR', [`a peer answered ${subject} with no result`]);
  return answer.ok;
}
