// The WHATWG text codecs exist in every runtime netroll targets (browsers,
// workers, Node >= 11) but are not part of the ES library typings src/ uses.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}
