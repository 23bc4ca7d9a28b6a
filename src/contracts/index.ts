/** Contracts shared by every layer: the error model and the shared vocabulary. */
export * from './errors.ts';
export * from './vocabulary.ts';
