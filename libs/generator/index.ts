/**
 * libs/generator: a deterministic, believable software supply chain for the demo, the tests and
 * the benchmarks (docs/design/0006-generator.md). Pure except for the worker threads the stream
 * signs in; no fs, no network, no environment. The demo CA is for demos only (see ca.ts).
 */
export { Rng, rngFor, derive, type Label } from './prng.js';
export { ecdsaKeyFrom, ed25519KeyFrom, type DemoKey, type DemoKeyType } from './keys.js';
export {
  DemoCa,
  demoCa,
  demoTrustedRootJson,
  DEMO_CA_SEED,
  DEMO_CA_URI,
  GITHUB_ACTIONS_ISSUER,
  type CiClaims,
  type DemoTrustedRoot,
  type LeafIdentity,
} from './ca.js';
export {
  DemoModel,
  MIX,
  BLOCK_SIZE,
  PUBLISHER_COUNT,
  CERT_EPOCH_ITEMS,
  type Artifact,
  type DemoParams,
  type ItemKind,
  type ItemPlan,
  type MixGroup,
  type PackageVersion,
  type Publisher,
  type SignerRef,
} from './model.js';
export { DemoSigner, itemFingerprint, BUNDLE_V03, type DemoItem } from './submissions.js';
export { generateItems, streamItems, type StreamOptions } from './stream.js';
export { summarize, DemoTally, type DemoSummary } from './summary.js';
