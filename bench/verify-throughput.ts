/**
 * Verification throughput on one core (issue 4): Attestry's full submission verification
 * (parse, key, signature, canonical Rekor body, leaf hash) for ECDSA P-256 hashedrekord and DSSE
 * submissions, next to the raw node:crypto ECDSA P-256 verify rate of the same machine.
 *
 *   npx tsx bench/verify-throughput.ts [--n 5000] [--keys 100] [--json]
 *
 * --json: one JSON object on stdout (the human lines go to stderr).
 */
import { parseArgs } from 'node:util';
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { systemClock } from '../libs/core/index.js';
import { createLogVerifier, trustFromRoots } from '../libs/tlog/index.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '5000' },
    keys: { type: 'string', default: '100' },
    json: { type: 'boolean', default: false },
  },
});
const human = (line: string) => (values.json ? process.stderr : process.stdout).write(line);
const N = Number(values.n);
const K = Number(values.keys);
const keys = Array.from({ length: K }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }));
const pems = keys.map((k) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString());
const verifier = createLogVerifier({ trust: trustFromRoots([]), clock: systemClock });

function rate(label: string, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(500, N); i++) fn(i); // warm-up
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn(i);
  const r = N / (Number(process.hrtime.bigint() - t) / 1e9);
  human(`${label.padEnd(44)} ${r.toFixed(0).padStart(7)} /s\n`);
  return r;
}

const messages = Array.from({ length: N }, (_, i) => Buffer.from(`artifact ${i}`));
const rawSigs = messages.map((m, i) => sign('sha256', m, keys[i % K]!.privateKey));
const raw = rate('node:crypto ECDSA P-256 verify (raw)', (i) => {
  if (!verify('sha256', messages[i]!, keys[i % K]!.publicKey, rawSigs[i]!))
    throw new Error('raw verify failed');
});

const hashed = messages.map((m, i) =>
  JSON.parse(
    JSON.stringify({
      artifactDigest: { algorithm: 'sha256', hex: createHash('sha256').update(m).digest('hex') },
      signature: rawSigs[i]!.toString('base64'),
      verificationMaterial: { publicKey: pems[i % K] },
    }),
  ),
);
const hr = rate('Attestry hashedrekord (P-256, digest only)', (i) => verifier(hashed[i]));

const type = 'application/vnd.in-toto+json';
const dsse = messages.map((m, i) => {
  const payload = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: `a${i}`, digest: { sha256: createHash('sha256').update(m).digest('hex') } }],
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: {
        buildDefinition: { buildType: 'x', externalParameters: {} },
        runDetails: { builder: { id: 'b' } },
      },
    }),
  );
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${payload.length} `), payload]);
  return JSON.parse(
    JSON.stringify({
      dsseEnvelope: {
        payload: payload.toString('base64'),
        payloadType: type,
        signatures: [{ sig: sign('sha256', pae, keys[i % K]!.privateKey).toString('base64') }],
      },
      verificationMaterial: { publicKey: pems[i % K] },
    }),
  );
});
const ds = rate('Attestry DSSE (P-256)', (i) => verifier(dsse[i]));

process.stdout.write(
  `${JSON.stringify({ bench: 'verify-throughput', n: N, keys: K, rawPerSec: Math.round(raw), hashedrekordPerSec: Math.round(hr), dssePerSec: Math.round(ds), hashedrekordRatio: +(hr / raw).toFixed(2), dsseRatio: +(ds / raw).toFixed(2) })}\n`,
);
