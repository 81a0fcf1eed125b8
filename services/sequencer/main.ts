/**
 * The sequencer: the single writer of the transparency log (one active instance, fenced;
 * others wait as hot standbys). Serves /healthz, /readyz and /metrics on its own port;
 * /readyz is green when its dependencies answer, whether it is active or a standby.
 */
import { crypto, isAttestryError, systemClock } from '../../libs/core/index.js';
import { loadConfig, readJsonFiles } from '../../libs/config/index.js';
import {
  createLogger,
  createMetrics,
  startOpsServer,
  closeServer,
  onShutdown,
} from '../../libs/observe/index.js';
import { createPool, checkDatabase } from '../../libs/db/index.js';
import { Bus, topicNames } from '../../libs/bus/index.js';
import { loadLogKeysFromConfig, loadVoucherSecret } from '../../libs/logkeys/index.js';
import {
  createLogVerifier,
  createVoucher,
  keyHintsFromLists,
  logSigners,
  trustFromRoots,
} from '../../libs/tlog/index.js';
import { sequencerConfig } from './config.js';
import { Sequencer } from './sequencer.js';
import { VerifyPool } from './verify-pool.js';
import { checkLogIdentity } from './log-identity.js';

const config = loadConfig('sequencer', sequencerConfig, process.env);
const logger = createLogger('sequencer', config.LOG_LEVEL);
const metrics = createMetrics('sequencer');
const pool = createPool(config.DATABASE_URL, { applicationName: 'attestry-sequencer', max: 6 });
const bus = new Bus({
  brokers: config.KAFKA_BROKERS,
  clientId: 'attestry-sequencer',
  log: (level, msg, extra) => logger[level](extra, msg),
});
const keys = loadLogKeysFromConfig(config);
const signers = logSigners(config.LOG_ORIGIN, {
  ed25519: keys.ed25519.privateKey,
  ecdsa: keys.ecdsa.privateKey,
});

// A log signed by other keys (another ATTESTRY_HOME on the same database, keys not restored
// from backup) is refused before anything starts; the sequencer checks again on every takeover.
const logIdentity = {
  origin: config.LOG_ORIGIN,
  logId: keys.logId,
  ed25519Spki: crypto.spkiDer(keys.ed25519.publicKey),
  ecdsaSpki: crypto.spkiDer(keys.ecdsa.publicKey),
};
try {
  await checkLogIdentity(pool, logIdentity, signers);
} catch (e) {
  if (!isAttestryError(e, 'LOG_KEY_MISMATCH')) {
    // The database is not reachable yet: the check runs again when this instance takes over.
    logger.warn({ err: e }, 'could not check the log identity at start-up');
  } else {
    logger.fatal({ err: e, details: e.details }, e.message);
    logger.flush?.();
    await pool.end().catch(() => undefined);
    process.exit(1);
  }
}

const verifyPool =
  config.SEQUENCER_VERIFY_WORKERS > 0
    ? new VerifyPool(config.SEQUENCER_VERIFY_WORKERS, {
        trustedRootFiles: config.TRUSTED_ROOT_FILES,
        keyHintFiles: config.KEY_HINT_FILES,
      })
    : undefined;

const sequencer = new Sequencer({
  pool,
  bus,
  topics: topicNames(config.TOPIC_PREFIX),
  groupId: `${config.TOPIC_PREFIX}sequencer`,
  logger,
  metrics,
  clock: systemClock,
  identity: { origin: config.LOG_ORIGIN, logId: keys.logId },
  signers,
  logIdentity,
  onFatal: (e) => stop(e.code),
  setKey: keys.ecdsa.privateKey,
  verify: createLogVerifier({
    trust: trustFromRoots(readJsonFiles(config.TRUSTED_ROOT_FILES)),
    keyHints: keyHintsFromLists(readJsonFiles(config.KEY_HINT_FILES)),
    clock: systemClock,
  }),
  ...(verifyPool ? { verifyPool } : {}),
  ...(config.SEQUENCER_TRUST_GATEWAY_VOUCHERS
    ? {
        voucher: createVoucher(loadVoucherSecret(config), {
          roots: readJsonFiles(config.TRUSTED_ROOT_FILES),
          keyHints: readJsonFiles(config.KEY_HINT_FILES),
        }),
      }
    : {}),
  leaseMs: config.SEQUENCER_LEASE_MS,
  inlineLimitBytes: config.ENTRY_INLINE_LIMIT_BYTES,
  maxBytesPerPartition: config.BATCH_MAX_BYTES,
});

const server = await startOpsServer({
  host: config.HOST,
  port: config.PORT,
  metrics,
  readiness: { check: async () => [...(await checkDatabase(pool)), ...(await bus.check())] },
});
sequencer.start();

const stop = onShutdown(logger, async () => {
  await closeServer(server);
  await sequencer.stop();
  await verifyPool?.close();
  await bus.close();
  await pool.end();
});

logger.info(
  { url: `http://${config.HOST}:${config.PORT}`, origin: config.LOG_ORIGIN, logId: keys.logId },
  'sequencer started',
);
