/** `qdrant.PointId` → the engine's point id (integers up to 2^53−1, UUIDs normalised). */
import { AppError } from '../../../errors.js';
import { parsePointId, type PointId } from '../../../storage/point-id.js';
import type * as M from '../generated/messages.js';

/** An INVALID_ARGUMENT with Qdrant's `Bad request: …` wording. */
export function bad(message: string): AppError {
  return new AppError('BAD_REQUEST', [message]);
}

export function pointId(id: M.PointId__Output | undefined, where: string): PointId {
  if (id === undefined || id.point_id_options === undefined) throw bad(`${where}: point id is required`);
  if (id.point_id_options === 'num') {
    const n = Number(id.num ?? '0');
    if (!Number.isSafeInteger(n)) throw bad(`${where}: Point id ${id.num} is too large: Quiver accepts integer ids up to ${Number.MAX_SAFE_INTEGER}`);
    return n;
  }
  return parsePointId(id.uuid ?? '');
}

export function pointIds(ids: readonly M.PointId__Output[] | undefined, where: string): PointId[] {
  return (ids ?? []).map((id, i) => pointId(id, `${where}[${i}]`));
}

