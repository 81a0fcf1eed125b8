export {
  createPool,
  withTransaction,
  checkDatabase,
  toDbError,
  type Pool,
  type PoolClient,
  type QueryResultRow,
} from './pool.js';
export { migrate, readMigrations, type Migration } from './migrate.js';
export {
  ensureServiceRoles,
  serviceUrl,
  loginRoleName,
  SERVICE_GROUPS,
  SERVICE_NAMES,
  type ServiceName,
} from './roles.js';
