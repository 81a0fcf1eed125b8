import { z, port, commonServiceConfig, byteSize, positiveInt } from '../../libs/config/index.js';

// The api reads PostgreSQL only (subscriptions follow idx.entries), so it needs no Kafka brokers.
const { KAFKA_BROKERS: _brokers, TOPIC_PREFIX: _prefix, ...common } = commonServiceConfig;

/** Configuration of the api (the GraphQL API over tlog and idx, read-only role), from the environment. */
export const apiConfig = z.object({
  ...common,
  PORT: port(4000),
  /** The gateway's public base URL, for Statement.payloadUrl. */
  GATEWAY_PUBLIC_URL: z.url().default('http://127.0.0.1:8080'),
  /** Largest /graphql request body; a larger one gets a GraphQL-shaped 413. */
  GRAPHQL_MAX_BODY_BYTES: byteSize(2 * 1024 * 1024),
  /** Deepest selection nesting a query may have. */
  GRAPHQL_MAX_DEPTH: positiveInt(15),
  /** Most aliases a query may use. */
  GRAPHQL_MAX_ALIASES: positiveInt(100),
  /** Highest static cost a query may have (services/api/limits.ts). */
  GRAPHQL_MAX_COST: positiveInt(50000),
  /** Most artifacts a transitive search (blastRadius, dependents, lineage) visits. */
  GRAPH_MAX_NODES: positiveInt(200000),
  /** How often subscriptions look for newly indexed entries. */
  SUBSCRIPTION_POLL_MS: positiveInt(250),
  /** Statement timeout of every query, and the HTTP request timeout. */
  QUERY_TIMEOUT_MS: positiveInt(30000),
  DB_POOL_SIZE: positiveInt(10),
});
export type ApiConfig = z.infer<typeof apiConfig>;
