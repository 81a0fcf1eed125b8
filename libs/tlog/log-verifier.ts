/**
 * The one mapping from a verified submission to what the log stores, shared by the gateway
 * (which verifies to answer at once) and the sequencer (which verifies again: zero trust).
 */
import { crypto, type Clock } from '../core/index.js';
import {
  combineTrust,
  npmRegistryKeyHints,
  parseTrustedRoot,
  PUBLIC_GOOD_TRUSTED_ROOT,
  verifySubmission,
  type KeyHint,
  type TrustMaterial,
} from '../verify/index.js';
import type { LoggableSubmission, VerifyForLog } from './index.js';

export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';

/** Sigstore's public-good roots plus the operator's own TrustedRoot documents (already parsed JSON). */
export function trustFromRoots(operatorRoots: unknown[], opts: { publicGood?: boolean } = {}): TrustMaterial {
  const roots = [...(opts.publicGood === false ? [] : [PUBLIC_GOOD_TRUSTED_ROOT]), ...operatorRoots];
  return combineTrust(...roots.map(parseTrustedRoot));
}

/** Keys named by hint (npm registry keys.json documents, already parsed JSON). */
export function keyHintsFromLists(lists: unknown[]): KeyHint[] {
  return lists.flatMap((l) => npmRegistryKeyHints(l));
}

export function createLogVerifier(opts: {
  trust: TrustMaterial;
  clock: Clock;
  keyHints?: readonly KeyHint[];
}): VerifyForLog {
  return (input: unknown): LoggableSubmission => {
    const v = verifySubmission(input, {
      trust: opts.trust,
      clock: opts.clock,
      ...(opts.keyHints ? { keyHints: opts.keyHints } : {}),
    });
    return {
      kind: v.kind,
      body: v.entryBody,
      ...(v.envelopeBytes
        ? {
            attestation: {
              hash: crypto.sha256(v.envelopeBytes),
              mediaType: DSSE_MEDIA_TYPE,
              content: v.envelopeBytes,
            },
          }
        : {}),
    };
  };
}
