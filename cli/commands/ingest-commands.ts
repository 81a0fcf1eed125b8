/**
 * `attestry sign`, `attestry attest`, `attestry submit`: the CLI side of ingest. Each signs with
 * a local key, submits to the gateway (POST /api/v1/entries, waiting for inclusion) and writes a
 * Sigstore bundle v0.3 carrying Attestry's log entry, verifiable offline with
 * `attestry verify-bundle --key K.pub --trusted-root <(attestry trusted-root)` or any Sigstore
 * verifier given that trusted root.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { crypto, toBase64, type KeyObject } from '../../libs/core/index.js';
import { CliError, guarded, say } from './cli-common.js';

const DEFAULT_GATEWAY = 'http://127.0.0.1:8080';
const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const IN_TOTO = 'application/vnd.in-toto+json';

function gatewayUrl(flag: string | undefined): string {
  return (flag ?? process.env['ATTESTRY_GATEWAY_URL'] ?? DEFAULT_GATEWAY).replace(/\/+$/, '');
}

function loadPrivateKey(file: string): { key: KeyObject; pub: KeyObject; pem: string; keyId: string } {
  let key: KeyObject;
  try {
    key = crypto.createPrivateKey(readFileSync(file, 'utf8'));
  } catch {
    throw new CliError(
      `${file} is not a PKCS#8 PEM private key (make one with \`attestry keygen --out PREFIX\`)`,
    );
  }
  const pub = crypto.publicKeyOf(key);
  return {
    key,
    pub,
    pem: crypto.spkiPem(pub),
    keyId: `sha256:${crypto.sha256(crypto.spkiDer(pub)).toString('hex')}`,
  };
}

interface SubmitResult {
  status: number;
  body: {
    entryHash?: string;
    duplicate?: boolean;
    entry?: Record<string, unknown>;
    error?: { code: string; message: string };
  };
}

async function submit(gateway: string, input: unknown): Promise<SubmitResult> {
  let res: Response;
  try {
    res = await fetch(`${gateway}/api/v1/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
  } catch (e) {
    throw new CliError(
      `cannot reach the gateway at ${gateway} (${e instanceof Error ? e.message : String(e)}); is \`attestry up\` running, or ATTESTRY_GATEWAY_URL set?`,
    );
  }
  const text = await res.text();
  let body: SubmitResult['body'];
  try {
    body = JSON.parse(text) as SubmitResult['body'];
  } catch {
    body = { error: { code: `HTTP_${res.status}`, message: text.slice(0, 200) } };
  }
  return { status: res.status, body };
}

function requireEntry(r: SubmitResult): Record<string, unknown> {
  if ((r.status === 200 || r.status === 201) && r.body.entry) return r.body.entry;
  throw new CliError(
    `the gateway refused the submission: ${r.body.error?.code ?? `HTTP ${r.status}`}: ${r.body.error?.message ?? ''}`,
  );
}

function writeBundle(out: string, bundle: unknown): void {
  writeFileSync(out, `${JSON.stringify(bundle, null, 2)}\n`);
}

const SIGN_HELP = `attestry sign --key K [--bundle OUT] [--gateway URL] FILE
  Signs FILE (ECDSA over its SHA-256 digest), submits it to the log as a hashedrekord, waits for
  inclusion and writes a Sigstore bundle v0.3 (default FILE.sigstore.json) with the log entry,
  its inclusion proof, signed checkpoint and signed entry timestamp.`;

export function runSign(_root: string, argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        key: { type: 'string' },
        bundle: { type: 'string' },
        gateway: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(`${SIGN_HELP}\n`);
      return 0;
    }
    const file = positionals[0];
    if (!values.key || !file || positionals.length !== 1)
      throw new CliError(`usage: ${SIGN_HELP.split('\n')[0]}`);
    const k = loadPrivateKey(values.key);
    if (k.key.asymmetricKeyType === 'ed25519')
      throw new CliError(
        'a hashedrekord signature is over a digest, which Ed25519 cannot sign; use an ecdsa-p256 key, or `attestry attest` (DSSE) with Ed25519',
      );
    const data = readFileSync(file);
    const digest = crypto.digest('sha256', data);
    const signature = crypto.sign(k.key, data, 'sha256');
    const r = await submit(gatewayUrl(values.gateway), {
      artifactDigest: { algorithm: 'sha256', hex: digest.toString('hex') },
      signature: toBase64(signature),
      verificationMaterial: { publicKey: k.pem },
    });
    const entry = requireEntry(r);
    const out = values.bundle ?? `${file}.sigstore.json`;
    writeBundle(out, {
      mediaType: BUNDLE_MEDIA_TYPE,
      verificationMaterial: { publicKey: { hint: k.keyId }, tlogEntries: [entry] },
      messageSignature: {
        messageDigest: { algorithm: 'SHA2_256', digest: toBase64(digest) },
        signature: toBase64(signature),
      },
    });
    say(
      `${r.body.duplicate ? 'already logged' : 'logged'} at index ${String(entry['logIndex'])} (entry ${r.body.entryHash ?? '?'}); bundle written to ${out}`,
    );
    return 0;
  });
}

const ATTEST_HELP = `attestry attest --key K --predicate-type URI --predicate P.json [--bundle OUT] [--gateway URL] (FILE | --subject NAME@ALG:HEX)...
  Makes an in-toto Statement v1 about the given subjects (files are hashed with SHA-256; --subject
  names a digest directly, e.g. pkg:npm/demo@1.0.0@sha512:<hex>), signs it as a DSSE envelope
  (ECDSA P-256 or Ed25519), submits it, waits for inclusion and writes a Sigstore bundle v0.3
  (default <first subject>.intoto.sigstore.json).`;

export function runAttest(_root: string, argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        key: { type: 'string' },
        'predicate-type': { type: 'string' },
        predicate: { type: 'string' },
        subject: { type: 'string', multiple: true },
        bundle: { type: 'string' },
        gateway: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(`${ATTEST_HELP}\n`);
      return 0;
    }
    const predicateType = values['predicate-type'];
    if (!values.key || !predicateType || !values.predicate)
      throw new CliError(`usage: ${ATTEST_HELP.split('\n')[0]}`);
    const subjects: Array<{ name: string; digest: Record<string, string> }> = positionals.map((f) => ({
      name: path.basename(f),
      digest: { sha256: crypto.digest('sha256', readFileSync(f)).toString('hex') },
    }));
    for (const s of values.subject ?? []) {
      const m = /^(.+)@(sha256|sha384|sha512):([0-9a-f]+)$/.exec(s);
      if (!m?.[1] || !m[2] || !m[3])
        throw new CliError(`--subject ${s}: expected NAME@ALG:HEX with ALG sha256, sha384 or sha512`);
      subjects.push({ name: m[1], digest: { [m[2]]: m[3] } });
    }
    if (subjects.length === 0) throw new CliError('give at least one FILE or --subject');
    let predicate: unknown;
    try {
      predicate = JSON.parse(readFileSync(values.predicate, 'utf8'));
    } catch {
      throw new CliError(`${values.predicate} is not a JSON file`);
    }
    const k = loadPrivateKey(values.key);
    const payload = Buffer.from(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v1',
        subject: subjects,
        predicateType,
        predicate,
      }),
      'utf8',
    );
    // DSSE PAE: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body (lengths in bytes).
    const pae = Buffer.concat([
      Buffer.from(`DSSEv1 ${IN_TOTO.length} ${IN_TOTO} ${payload.length} `),
      payload,
    ]);
    const sig = crypto.sign(k.key, pae, k.key.asymmetricKeyType === 'ed25519' ? null : 'sha256');
    const envelope = {
      payload: toBase64(payload),
      payloadType: IN_TOTO,
      signatures: [{ sig: toBase64(sig), keyid: '' }],
    };
    const r = await submit(gatewayUrl(values.gateway), {
      dsseEnvelope: envelope,
      verificationMaterial: { publicKey: k.pem },
    });
    const entry = requireEntry(r);
    const out =
      values.bundle ??
      `${subjects[0]?.name.replace(/[^A-Za-z0-9._-]/g, '_') ?? 'statement'}.intoto.sigstore.json`;
    writeBundle(out, {
      mediaType: BUNDLE_MEDIA_TYPE,
      verificationMaterial: { publicKey: { hint: k.keyId }, tlogEntries: [entry] },
      dsseEnvelope: envelope,
    });
    say(
      `${r.body.duplicate ? 'already logged' : 'logged'} at index ${String(entry['logIndex'])} (entry ${r.body.entryHash ?? '?'}); bundle written to ${out}`,
    );
    return 0;
  });
}

const SUBMIT_HELP = `attestry submit [--gateway URL] [--concurrency N] FILE_OR_DIR...
  Submits existing signing events — Sigstore bundles (*.json, *.sigstore.json), DSSE envelopes
  with their verification material, hashedrekord submissions — concurrently, and prints a summary
  of accepted / duplicate / rejected (with each rejection's code and reason). Exit 1 if any was
  rejected.`;

function collect(p: string): string[] {
  const st = statSync(p);
  if (!st.isDirectory()) return [p];
  return readdirSync(p)
    .sort()
    .flatMap((n) => collect(path.join(p, n)))
    .filter((f) => f.endsWith('.json'));
}

export function runSubmit(_root: string, argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        gateway: { type: 'string' },
        concurrency: { type: 'string', default: '8' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(`${SUBMIT_HELP}\n`);
      return 0;
    }
    if (positionals.length === 0) throw new CliError(`usage: ${SUBMIT_HELP.split('\n')[0]}`);
    const files = positionals.flatMap((p) => {
      try {
        return collect(p);
      } catch {
        throw new CliError(`${p}: no such file or directory`);
      }
    });
    const gateway = gatewayUrl(values.gateway);
    const results: Array<{ file: string; outcome: 'accepted' | 'duplicate' | 'rejected'; detail: string }> =
      [];
    const tty = process.stderr.isTTY === true;
    const queue = [...files];
    const progress = () => {
      if (!tty) return;
      const done = results.length;
      const width = 30;
      const filled = Math.round((done / files.length) * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${files.length}`);
    };
    const worker = async () => {
      for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
        let input: unknown;
        try {
          input = JSON.parse(readFileSync(f, 'utf8'));
        } catch {
          results.push({ file: f, outcome: 'rejected', detail: 'INPUT_MALFORMED: not a JSON file' });
          progress();
          continue;
        }
        const r = await submit(gateway, input);
        if (r.status === 201)
          results.push({
            file: f,
            outcome: 'accepted',
            detail: `index ${String(r.body.entry?.['logIndex'])}`,
          });
        else if (r.status === 200 && r.body.duplicate)
          results.push({
            file: f,
            outcome: 'duplicate',
            detail: `index ${String(r.body.entry?.['logIndex'])}`,
          });
        else
          results.push({
            file: f,
            outcome: 'rejected',
            detail: `${r.body.error?.code ?? `HTTP ${r.status}`}: ${r.body.error?.message ?? ''}`,
          });
        progress();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Number(values.concurrency) || 8) }, worker));
    if (tty) process.stderr.write('\n');
    const count = (o: string) => results.filter((r) => r.outcome === o).length;
    for (const r of results.filter((x) => x.outcome === 'rejected'))
      process.stdout.write(`rejected  ${r.file}  ${r.detail}\n`);
    process.stdout.write(
      `${files.length} submitted: ${count('accepted')} accepted, ${count('duplicate')} duplicate, ${count('rejected')} rejected\n`,
    );
    return count('rejected') > 0 ? 1 : 0;
  });
}
