/**
 * RFC 3161 signed timestamps over a bundle's signature, checked against the timestamp
 * authorities of the trust material. A verified timestamp is a time the signature existed,
 * which certificates and keys must be valid at. The token is attacker-controlled: the
 * certificates it may embed are ignored, only the configured TSA chains are trusted.
 */
import { RFC3161Timestamp } from '@sigstore/core';
import { AttestryError } from '../core/index.js';
import { verifyTsaChain } from './certificates.js';
import { publicKeyFromSpki } from './keys.js';
import { inRange, type TimestampAuthority, type TrustMaterial } from './trust.js';

export interface VerifiedTimestamp {
  readonly time: Date;
  readonly authority: TimestampAuthority;
}

function invalid(message: string, cause?: unknown): AttestryError {
  return new AttestryError('TIMESTAMP_INVALID', message, cause === undefined ? {} : { cause });
}

/**
 * TSTInfo.genTime, a DER GeneralizedTime "YYYYMMDDhhmmss[.fff...]Z" (RFC 3161 §2.4.2). Parsed
 * here because @sigstore/core 3.2.1 accepts exactly three fractional digits and so refuses
 * valid tokens such as "...05.5Z" (DER drops trailing zeros).
 */
function genTime(ts: RFC3161Timestamp): Date {
  const obj = ts.tstInfo.root.subs[4];
  if (obj === undefined || !obj.tag.isGeneralizedTime()) throw invalid('timestamp has no genTime');
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?Z$/.exec(
    obj.value.toString('ascii'),
  );
  if (!m) throw invalid('timestamp genTime is not a DER GeneralizedTime');
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms));
  if (Number.isNaN(d.getTime()) || d.getUTCMonth() !== +m[2]! - 1 || d.getUTCDate() !== +m[3]!)
    throw invalid('timestamp genTime is not a valid date');
  return d;
}

function signerMatches(ts: RFC3161Timestamp, authority: TimestampAuthority): boolean {
  const leaf = authority.certChain[0];
  if (leaf === undefined) return false;
  try {
    return ts.signerSerialNumber.equals(leaf.serialNumber) && ts.signerIssuer.equals(leaf.issuer);
  } catch {
    return false;
  }
}

/** Verifies a DER TimeStampResp over `signed` (the bundle's signature bytes). Throws TIMESTAMP_INVALID. */
export function verifyRfc3161Timestamp(der: Buffer, signed: Buffer, trust: TrustMaterial): VerifiedTimestamp {
  let ts: RFC3161Timestamp;
  let time: Date;
  try {
    ts = RFC3161Timestamp.parse(Buffer.from(der));
    const status = ts.status;
    // PKIStatus granted (0) or grantedWithMods (1), RFC 3161 §2.4.2.
    if (status !== 0n && status !== 1n) throw invalid(`timestamp status ${status}`);
    time = genTime(ts);
  } catch (e) {
    if (e instanceof AttestryError) throw e;
    throw invalid('the RFC 3161 timestamp is malformed', e);
  }
  let lastError: unknown;
  for (const authority of trust.timestampAuthorities) {
    if (!inRange(authority.validFor, time) || !signerMatches(ts, authority)) continue;
    try {
      verifyTsaChain(authority.certChain, time);
      ts.verify(signed, publicKeyFromSpki(authority.certChain[0]!.publicKey).key);
      return { time, authority };
    } catch (e) {
      lastError = e;
    }
  }
  throw invalid(
    'the RFC 3161 timestamp is not from a timestamp authority trusted at its time, or does not cover the signature',
    lastError,
  );
}
