/**
 * The log's identity check (docs/design/0003-transparency-log.md, "Keys and identity"): before a
 * sequencer appends, the log must be its own — the latest checkpoint signed by both of its keys
 * under its origin, and the identity recorded in tlog.log_identity equal to its own (recorded
 * here by the first sequencer of a log). Anything else is LOG_KEY_MISMATCH: appending would fork
 * the log's identity, and no restart with the same configuration can fix it.
 */
import { AttestryError } from '../../libs/core/index.js';
import { tlogStore, type Pool, type PoolClient } from '../../libs/db/index.js';
import type { Signer } from '../../libs/note/index.js';
import { checkCheckpointSigners } from '../../libs/tlog/index.js';

export async function checkLogIdentity(
  db: Pool | PoolClient,
  mine: tlogStore.LogIdentityRecord,
  signers: readonly Signer[],
): Promise<void> {
  const latest = await tlogStore.readLatestCheckpoint(db);
  if (latest) checkCheckpointSigners(latest.note, mine.origin, signers);
  const recorded = await tlogStore.recordLogIdentity(db, mine);
  const differs = [
    recorded.origin !== mine.origin ? 'origin' : '',
    recorded.logId !== mine.logId || !recorded.ecdsaSpki.equals(mine.ecdsaSpki) ? 'ECDSA key' : '',
    !recorded.ed25519Spki.equals(mine.ed25519Spki) ? 'Ed25519 key' : '',
  ].filter(Boolean);
  if (differs.length > 0)
    throw new AttestryError(
      'LOG_KEY_MISMATCH',
      `the log's recorded identity is not this sequencer's (${differs.join(', ')} differ${differs.length === 1 ? 's' : ''}): refusing to append. ` +
        `Start it with the log's own keys and origin (LOG_KEYS_DIR / LOG_*_KEY_FILE / LOG_ORIGIN, ` +
        `or the ATTESTRY_HOME the log was created with)`,
      {
        details: {
          recorded: { origin: recorded.origin, logId: recorded.logId },
          mine: { origin: mine.origin, logId: mine.logId },
        },
      },
    );
}
