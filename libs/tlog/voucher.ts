/**
 * Gateway-vouched submissions: the gateway verifies every submission before producing it, and
 * the sequencer verified each one again (producers may write to Kafka directly), doubling the
 * dominant CPU cost of the ingest path. A voucher lets the sequencer trust the gateway's result
 * without trusting the topic: the gateway attaches the canonical entry body it derived, with an
 * HMAC-SHA-256 under a key derived from a secret the gateways and the sequencer share (never the
 * log's keys, which only the sequencer holds: libs/logkeys loadVoucherSecret), and the sequencer logs a vouched body without verifying the input again. Anything
 * without a valid voucher (a direct producer, another log's gateway, a tampered record) is
 * verified in full, as before. A replayed voucher can only repeat a body that was verified once,
 * and the log dedupes it by leaf hash.
 *
 * The key also binds the verification configuration (trusted roots and key hints): a gateway
 * that trusts more than the sequencer (or less) makes vouchers the sequencer does not accept, so
 * the sequencer's own verification still decides there, as before.
 *
 * Only submissions without a stored attestation (hashedrekord) are vouched: a DSSE submission's
 * envelope bytes would ride twice in the record.
 */
import { crypto, fromBase64, toBase64 } from '../core/index.js';
import type { LoggableSubmission } from './index.js';

export interface Vouched {
  kind: 'hashedrekord' | 'dsse';
  /** Base64 of the canonical entry body. */
  body: string;
  /** Base64 HMAC-SHA-256 over the kind and the body. */
  mac: string;
}

export interface Voucher {
  /** The voucher for a verified submission, or undefined when it is not vouched (it has an attestation). */
  vouch(l: LoggableSubmission): Vouched | undefined;
  /** What the voucher vouches for, or undefined when it is absent, malformed or not ours. */
  check(v: unknown): LoggableSubmission | undefined;
}

const CONTEXT = Buffer.from('attestry gateway-vouched submission v1');

/**
 * `trust`: the verification configuration both sides load (e.g. the parsed TRUSTED_ROOT_FILES and
 * KEY_HINT_FILES), fingerprinted as JSON.
 */
export function createVoucher(secret: Uint8Array, trust: unknown): Voucher {
  if (secret.length < 32) throw new Error('a voucher secret has at least 32 bytes');
  const fingerprint = crypto.sha256(Buffer.from(JSON.stringify(trust) ?? 'null'));
  const key = crypto.hmacSha256(secret, CONTEXT, fingerprint);
  const macOf = (kind: string, body: Buffer) => crypto.hmacSha256(key, Buffer.from(`${kind}\n`), body);
  return {
    vouch(l) {
      if (l.attestation) return undefined;
      return { kind: l.kind, body: toBase64(l.body), mac: toBase64(macOf(l.kind, l.body)) };
    },
    check(v) {
      if (typeof v !== 'object' || v === null) return undefined;
      const { kind, body, mac } = v as Record<string, unknown>;
      if ((kind !== 'hashedrekord' && kind !== 'dsse') || typeof body !== 'string' || typeof mac !== 'string')
        return undefined;
      try {
        const bytes = fromBase64(body, 'vouched body');
        const given = fromBase64(mac, 'voucher mac');
        const want = macOf(kind, bytes);
        if (given.length !== want.length || !crypto.timingSafeEqual(given, want)) return undefined;
        return { kind, body: bytes };
      } catch {
        return undefined;
      }
    },
  };
}
