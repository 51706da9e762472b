import type { RouteRow } from '../route-table.js';
import { serviceRoutes } from './service.js';
import { aliasRoutes, collectionRoutes } from './collections.js';
import { pointRoutes } from './points.js';
import { queryRoutes } from './query.js';
import { searchRoutes } from './search.js';
import { snapshotRoutes } from './snapshots.js';
import { auditRoutes } from './audit.js';
import { dashboardRoutes } from '../../dashboard/routes.js';

/** The whole REST surface, in registration order (static paths before parameterised ones). */
export const ALL_ROUTES: readonly RouteRow[] = [...serviceRoutes, ...aliasRoutes, ...collectionRoutes, ...pointRoutes, ...queryRoutes, ...searchRoutes, ...auditRoutes, ...dashboardRoutes, ...snapshotRoutes];
