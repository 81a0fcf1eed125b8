/**
 * SLSA Verification Summary Attestations -> VerificationFact:
 *   v1   https://slsa.dev/verification_summary/v1   (slsa.dev/spec/v1.0/verification_summary)
 *   v0.2 https://slsa.dev/verification_summary/v0.2 (slsa.dev/verification_summary/v0.2)
 * The verifier id and result are the signer's claims (attacker-controlled until the signer is
 * trusted); unknown fields are ignored.
 */
import { z } from 'zod';
import { DigestSetSchema, ResourceDescriptorSchema } from '../in-toto/statement.js';
import type { FactsBuilder, VerificationFact } from '../facts.js';
import { parseWith } from '../problems.js';
import { Rfc3339Timestamp } from '../timestamp.js';

export const SLSA_VSA_V1 = 'https://slsa.dev/verification_summary/v1';
export const SLSA_VSA_V02 = 'https://slsa.dev/verification_summary/v0.2';
export const SLSA_VSA_PREFIX = 'https://slsa.dev/verification_summary/';

const common = {
  verifier: z.object({ id: z.string().min(1) }),
  timeVerified: Rfc3339Timestamp,
  resourceUri: z.string().min(1),
  policy: z.object({ uri: z.string().optional(), digest: DigestSetSchema.optional() }),
  inputAttestations: z.array(ResourceDescriptorSchema).optional(),
  verificationResult: z.enum(['PASSED', 'FAILED']),
  dependencyLevels: z.record(z.string(), z.number().int().nonnegative()).optional(),
};

const VsaV1 = z.object({
  ...common,
  verifiedLevels: z.array(z.string().min(1)),
  slsaVersion: z.string().optional(),
});

const VsaV02 = z.object({ ...common, policyLevel: z.string().min(1).optional() });

export function vsaVersionOf(predicateType: string): VerificationFact['vsaVersion'] | undefined {
  if (predicateType === SLSA_VSA_V1) return '1';
  if (predicateType === SLSA_VSA_V02) return '0.2';
  return undefined;
}

export function verificationFacts(
  predicate: unknown,
  version: VerificationFact['vsaVersion'],
  b: FactsBuilder,
): VerificationFact {
  const p =
    version === '1'
      ? parseWith(VsaV1, predicate, 'SLSA VSA v1', 'predicate')
      : parseWith(VsaV02, predicate, 'SLSA VSA v0.2', 'predicate');
  const levels =
    'verifiedLevels' in p ? p.verifiedLevels : p.policyLevel !== undefined ? [p.policyLevel] : [];
  return {
    vsaVersion: version,
    verifierId: p.verifier.id,
    timeVerified: p.timeVerified,
    result: p.verificationResult,
    resourceUri: p.resourceUri,
    policy: {
      ...(p.policy.uri !== undefined ? { uri: p.policy.uri } : {}),
      ...(p.policy.digest !== undefined ? { digest: p.policy.digest } : {}),
    },
    levels,
    ...(p.dependencyLevels !== undefined ? { dependencyLevels: p.dependencyLevels } : {}),
    ...('slsaVersion' in p && p.slsaVersion !== undefined ? { slsaVersion: p.slsaVersion } : {}),
    inputAttestations: (p.inputAttestations ?? []).map((rd) =>
      b.ref({
        digest: rd.digest ?? {},
        ...(rd.name !== undefined ? { name: rd.name } : {}),
        ...(rd.uri !== undefined ? { uri: rd.uri } : {}),
      }),
    ),
  };
}
