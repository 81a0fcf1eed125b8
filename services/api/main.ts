/**
 * The api's entry point. graphql-js picks its development-mode checks (an instanceof guard on
 * every type test, about 5 % of a request's CPU) when its modules load, from NODE_ENV: production
 * mode is the default here, set before anything imports graphql. Error output does not depend on
 * it (services/api/server.ts masks errors either way).
 */
process.env['NODE_ENV'] ??= 'production';
await import('./run.js');
