/**
 * libs/note: C2SP signed notes, tlog checkpoints and cosignatures. Pure; keys come in as
 * KeyObjects or key strings, time through an injected Clock.
 */
export {
  MAX_NOTE_SIGNATURES,
  parseNote,
  formatNote,
  signNote,
  openNote,
  type Note,
  type NoteSignature,
  type VerifiedNote,
  type VerifiedSignature,
} from './signed-note.js';
export {
  SIGNATURE_TYPE_BYTES,
  computeKeyId,
  formatKeyId,
  createEd25519Verifier,
  createEcdsaVerifier,
  createCosignatureVerifier,
  createEd25519Signer,
  createEcdsaSigner,
  createCosignatureSigner,
  type SignatureType,
  type Signer,
  type Verifier,
} from './keys.js';
export {
  parseVerifierKey,
  formatVerifierKey,
  parseSignerKey,
  formatSignerKey,
  type SignerKey,
} from './key-strings.js';
export { cosignatureMessage, parseCosignature, encodeCosignature, type Cosignature } from './cosignature.js';
export {
  parseCheckpoint,
  formatCheckpoint,
  openCheckpoint,
  type Checkpoint,
  type OpenedCheckpoint,
} from './checkpoint.js';
