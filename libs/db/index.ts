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
export { dropDatabasesAndRoles } from './admin.js';
export {
  ensureServiceRoles,
  serviceUrl,
  loginRoleName,
  SERVICE_GROUPS,
  SERVICE_NAMES,
  type ServiceName,
} from './roles.js';
export * as tlogStore from './tlog-store.js';
export type { StoredTile, StoredEntry, StoredAttestation, StoredCheckpoint, TreeHead } from './tlog-store.js';
export { TlogReader, type Proof } from './tlog-reader.js';
export * as idxStore from './idx-store.js';
export * as replayStore from './replay-store.js';
