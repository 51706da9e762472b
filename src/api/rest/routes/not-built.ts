/**
 * Routes of Qdrant's API whose handlers are not built yet. They are registered so that access control
 * decides on them like on every other route (a denied caller gets 401/403, never a hint), and an
 * allowed caller gets a clear 501 in Qdrant's error format.
 */
import { route, type RouteRow, type HttpMethod } from '../route-table.js';
import { AppError } from '../../../errors.js';

const PENDING: Array<[HttpMethod, string, string, string]> = [];

export const notBuiltRoutes: RouteRow[] = PENDING.map(([method, path, operation, issue]) =>
  route(method, path, operation, () => {
    throw new AppError('NOT_IMPLEMENTED', [`${operation} is not implemented yet (planned in the ${issue})`]);
  }),
);
