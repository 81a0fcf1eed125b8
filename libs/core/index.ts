export * from './errors.js';
export * from './clock.js';
export * from './encoding.js';
export * as crypto from './crypto.js';
export type { KeyObject, HashAlgorithm } from './crypto.js';
export { Lru } from './lru.js';
