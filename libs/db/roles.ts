/**
 * Login roles, one per service, each a member of the privilege groups the migrations grant
 * (least privilege: the api and the gateway only read). Roles are cluster-wide, so login role
 * names carry the database name (`<db>_<service>`): the test database and the dev database live
 * side by side on one server without sharing passwords.
 */
import pg from 'pg';
import { AttestryError } from '../core/index.js';
import { createPool } from './pool.js';

/** Privilege groups created by schema/sql/0001_roles_and_schemas.sql. */
export const SERVICE_GROUPS = {
  // The idx read is for Rekor's search index (POST /api/v1/index/retrieve).
  gateway: ['attestry_ro_tlog', 'attestry_ro_idx'],
  sequencer: ['attestry_rw_tlog'],
  indexer: ['attestry_rw_idx', 'attestry_ro_tlog'],
  api: ['attestry_ro_tlog', 'attestry_ro_idx', 'attestry_ro_mon'],
  monitor: ['attestry_rw_mon', 'attestry_ro_tlog'],
} as const;

export type ServiceName = keyof typeof SERVICE_GROUPS;
export const SERVICE_NAMES = Object.keys(SERVICE_GROUPS) as ServiceName[];

export function loginRoleName(database: string, service: ServiceName): string {
  return `${database}_${service}`;
}

/**
 * Creates or updates each service's login role with its password. Identifiers cannot be bound
 * as parameters in DDL: they are checked against a strict pattern and quoted with pg's escaper.
 */
export async function ensureServiceRoles(
  adminUrl: string,
  passwords: Record<ServiceName, string>,
): Promise<void> {
  const pool = createPool(adminUrl, { applicationName: 'attestry-roles', max: 1 });
  try {
    const database = (await pool.query<{ db: string }>('SELECT current_database() AS db')).rows[0]?.db ?? '';
    if (!/^[a-z_][a-z0-9_]{0,49}$/.test(database))
      throw new AttestryError('CONFIG_INVALID', `database name ${database} must match ^[a-z_][a-z0-9_]*$`);
    const id = (s: string) => pg.escapeIdentifier(s);
    for (const service of SERVICE_NAMES) {
      const role = loginRoleName(database, service);
      const pw = passwords[service];
      if (!/^[A-Za-z0-9]{16,}$/.test(pw))
        throw new AttestryError('CONFIG_INVALID', `password for ${role} must be 16+ alphanumerics`);
      const exists = (await pool.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount === 1;
      await pool.query(
        `${exists ? 'ALTER' : 'CREATE'} ROLE ${id(role)} WITH LOGIN PASSWORD ${pg.escapeLiteral(pw)}`,
      );
      for (const group of SERVICE_GROUPS[service]) await pool.query(`GRANT ${id(group)} TO ${id(role)}`);
      await pool.query(`GRANT CONNECT ON DATABASE ${id(database)} TO ${id(role)}`);
    }
  } finally {
    await pool.end();
  }
}

/** The URL a service connects with: the admin URL's server and database, the service's role. */
export function serviceUrl(adminUrl: string, service: ServiceName, password: string): string {
  const u = new URL(adminUrl);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  u.username = loginRoleName(database, service);
  u.password = password;
  return u.toString();
}
