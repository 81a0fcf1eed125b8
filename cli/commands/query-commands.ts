/**
 * `attestry who-signed`, `attestry blast-radius`, `attestry dependents`: shortcuts over the
 * GraphQL API (--api URL or ATTESTRY_API_URL, default http://127.0.0.1:4000). Human-readable by
 * default, `--json` prints the GraphQL data for scripts. Errors are one line and exit 1.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { crypto } from '../../libs/core/index.js';
import { CliError, guarded } from './cli-common.js';

const DEFAULT_API = 'http://127.0.0.1:4000';

function apiUrl(flag: string | undefined): string {
  return (flag ?? process.env['ATTESTRY_API_URL'] ?? DEFAULT_API).replace(/\/+$/, '');
}

interface GraphQLAnswer<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function query<T>(api: string, q: string, variables: Record<string, unknown>): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${api}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: q, variables }),
    });
  } catch (e) {
    throw new CliError(
      `cannot reach the api at ${api} (${e instanceof Error ? e.message : String(e)}); is \`attestry up\` running, or ATTESTRY_API_URL set?`,
    );
  }
  let body: GraphQLAnswer<T>;
  try {
    body = (await res.json()) as GraphQLAnswer<T>;
  } catch {
    throw new CliError(`the api at ${api} answered HTTP ${res.status} without JSON`);
  }
  const err = body.errors?.[0];
  if (err) throw new CliError(`${err.extensions?.code ?? 'ERROR'}: ${err.message}`);
  if (!body.data) throw new CliError(`the api answered HTTP ${res.status} without data`);
  return body.data;
}

function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function helpOr(values: { help?: boolean }, help: string): boolean {
  if (values.help) process.stdout.write(`${help}\n`);
  return values.help === true;
}

// ---- who-signed ----------------------------------------------------------------------------------

const WHO_SIGNED_HELP = `attestry who-signed [--api URL] [--json] DIGEST
  Every signature over the artifact with this digest (sha256:, sha384: or sha512: hex; any digest
  of the artifact's set): signer, predicate type, log index and time.`;

interface SignatureOut {
  logIndex: number;
  integratedTime: string;
  entryKind: string;
  predicateType: string | null;
  signer: {
    kind: string;
    keyId: string;
    identity: string | null;
    issuer: string | null;
    ci: { repository: string | null; workflow: string | null } | null;
  };
}

const SIGNATURE_FIELDS = `logIndex integratedTime entryKind predicateType
  signer { kind keyId identity issuer ci { repository workflow } }`;

function signerText(s: SignatureOut['signer']): string {
  if (s.kind === 'KEY') return `key ${s.keyId}`;
  return `${s.identity ?? '(no identity)'} (issuer ${s.issuer ?? '?'})`;
}

export function runWhoSigned(_root: string, argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { api: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (helpOr(values, WHO_SIGNED_HELP)) return 0;
    if (positionals.length !== 1) throw new CliError(`usage: ${WHO_SIGNED_HELP.split('\n')[0]}`);
    const data = await query<{ whoSigned: SignatureOut[] }>(
      apiUrl(values.api),
      `query($d: String!) { whoSigned(digest: $d) { ${SIGNATURE_FIELDS} } }`,
      { d: positionals[0] },
    );
    if (values.json) {
      print(JSON.stringify(data.whoSigned, null, 2));
      return 0;
    }
    if (data.whoSigned.length === 0) {
      print(`no signature over ${positionals[0]} in the log`);
      return 0;
    }
    for (const s of data.whoSigned)
      print(
        `#${s.logIndex}  ${s.integratedTime}  ${s.predicateType ?? 'hashedrekord'}  ${signerText(s.signer)}`,
      );
    return 0;
  });
}

// ---- blast-radius --------------------------------------------------------------------------------

const BLAST_HELP = `attestry blast-radius (--key PUB | --key-id ID | --identity I | --identity-prefix P)
                      [--issuer U] [--since T] [--until T] [--max-depth N] [--first N]
                      [--api URL] [--json]
  What a (compromised) key or identity reaches: the artifacts it signed in the window (integrated
  time, --since inclusive, --until exclusive, ISO 8601) and every artifact that depends on one of
  them, directly or transitively, with its depth and the path back to a signed one.
  --key reads a PEM public key file and uses its key id (sha256 of the DER SPKI).`;

interface ReachedOut {
  artifact: { digest: string; names: string[] };
  depth: number;
  path: { digest: string }[];
}

export function runBlastRadius(_root: string, argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values } = parseArgs({
      args: argv,
      options: {
        key: { type: 'string' },
        'key-id': { type: 'string' },
        identity: { type: 'string' },
        'identity-prefix': { type: 'string' },
        issuer: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        'max-depth': { type: 'string' },
        first: { type: 'string' },
        api: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (helpOr(values, BLAST_HELP)) return 0;
    const signer: Record<string, string> = {};
    if (values.key) {
      let pem: string;
      try {
        pem = readFileSync(values.key, 'utf8');
      } catch {
        throw new CliError(`cannot read ${values.key}`);
      }
      try {
        signer['keyId'] =
          `sha256:${crypto.sha256(crypto.spkiDer(crypto.createPublicKey(pem))).toString('hex')}`;
      } catch {
        throw new CliError(`${values.key} is not a PEM public key`);
      }
    }
    if (values['key-id']) signer['keyId'] = values['key-id'];
    if (values.identity) signer['identity'] = values.identity;
    if (values['identity-prefix']) signer['identityPrefix'] = values['identity-prefix'];
    if (values.issuer) signer['issuer'] = values.issuer;
    if (!signer['keyId'] && !signer['identity'] && !signer['identityPrefix'])
      throw new CliError('give --key, --key-id, --identity or --identity-prefix (see --help)');
    const int = (v: string | undefined, name: string) => {
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v)) throw new CliError(`${name} must be a whole number`);
      return Number(v);
    };
    const data = await query<{
      blastRadius: {
        signedCount: number;
        affectedCount: number;
        truncated: boolean;
        signed: { edges: { node: { digest: string; names: string[] } }[] };
        affected: { edges: { node: ReachedOut }[]; pageInfo: { hasNextPage: boolean } };
      };
    }>(
      apiUrl(values.api),
      `query($s: SignerInput!, $since: DateTime, $until: DateTime, $d: Int, $n: Int) {
        blastRadius(signer: $s, since: $since, until: $until, maxDepth: $d) {
          signedCount affectedCount truncated
          signed(first: $n) { edges { node { digest names } } }
          affected(first: $n) { pageInfo { hasNextPage } edges { node { depth artifact { digest names } path { digest } } } }
        } }`,
      {
        s: signer,
        since: values.since ?? null,
        until: values.until ?? null,
        d: int(values['max-depth'], '--max-depth') ?? 10,
        n: int(values.first, '--first') ?? 100,
      },
    );
    const b = data.blastRadius;
    if (values.json) {
      print(JSON.stringify(b, null, 2));
      return 0;
    }
    print(`signed: ${b.signedCount} artifact(s)`);
    for (const e of b.signed.edges) print(`  ${e.node.digest}  ${e.node.names.join(', ')}`);
    print(
      `affected: ${b.affectedCount} artifact(s) depend on them${b.truncated ? ' (search cut at the node bound)' : ''}`,
    );
    for (const e of b.affected.edges) {
      const n = e.node;
      print(`  depth ${n.depth}  ${n.artifact.digest}  ${n.artifact.names.join(', ')}`);
      print(`           via ${n.path.map((p) => p.digest.slice(0, 19)).join(' -> ')}`);
    }
    if (b.affected.pageInfo.hasNextPage)
      print(`  ... (--first N or --json with the GraphQL API for the rest)`);
    return 0;
  });
}

// ---- dependents ----------------------------------------------------------------------------------

const DEPENDENTS_HELP = `attestry dependents [--max-depth N] [--first N] [--api URL] [--json] PURL
  Every artifact that contains a package version (pkg:type/namespace/name@version), directly or
  transitively through SBOMs and provenance, nearest first, with the path to it.`;

export function runDependents(_root: string, argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'max-depth': { type: 'string' },
        first: { type: 'string' },
        api: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (helpOr(values, DEPENDENTS_HELP)) return 0;
    if (positionals.length !== 1) throw new CliError(`usage: ${DEPENDENTS_HELP.split('\n')[0]}`);
    const depth = values['max-depth'] ?? '10';
    const first = values.first ?? '100';
    if (!/^\d+$/.test(depth) || !/^\d+$/.test(first))
      throw new CliError('--max-depth and --first are whole numbers');
    const data = await query<{
      dependents: { totalCount: number; edges: { node: ReachedOut }[]; pageInfo: { hasNextPage: boolean } };
    }>(
      apiUrl(values.api),
      `query($p: String!, $d: Int, $n: Int) { dependents(purl: $p, maxDepth: $d, first: $n) {
        totalCount pageInfo { hasNextPage } edges { node { depth artifact { digest names } path { digest } } } } }`,
      { p: positionals[0], d: Number(depth), n: Number(first) },
    );
    if (values.json) {
      print(JSON.stringify(data.dependents, null, 2));
      return 0;
    }
    print(`${data.dependents.totalCount} artifact(s) contain ${positionals[0]}`);
    for (const e of data.dependents.edges)
      print(`  depth ${e.node.depth}  ${e.node.artifact.digest}  ${e.node.artifact.names.join(', ')}`);
    if (data.dependents.pageInfo.hasNextPage) print('  ... (--first N for more)');
    return 0;
  });
}
