/**
 * Administrative helpers for throw-away databases (tests, benchmarks): never used by services.
 */
import pg from 'pg';

/** Drops every database and role whose name starts with `prefix` (e.g. an interrupted test run's). */
export async function dropDatabasesAndRoles(adminUrl: string, prefix: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error('prefix must be a lowercase identifier prefix');
  const u = new URL(adminUrl);
  u.pathname = '/postgres';
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  const like = `${prefix.replace(/_/g, '\\_')}%`;
  try {
    const dbs = (
      await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [like])
    ).rows;
    for (const { datname } of dbs)
      await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
    const roles = (
      await c.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname LIKE $1', [like])
    ).rows;
    for (const { rolname } of roles)
      await c.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(rolname)}`).catch(() => undefined);
  } finally {
    await c.end();
  }
}
