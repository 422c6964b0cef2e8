/**
 * Turning the bytes of a text-like upload into a string without trusting any
 * declared charset (there is none we could trust: uploads carry no reliable one).
 */

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** The encoding announced by a byte-order mark, and the BOM's length. */
export function detectBom(bytes: Uint8Array): { encoding: TextEncodingName; bomLength: number } | null {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { encoding: 'utf-8', bomLength: 3 };
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  return null;
}

/**
 * Decodes as the BOM says; without a BOM as UTF-8 when the bytes are valid UTF-8,
 * otherwise as Windows-1252 (the WHATWG meaning of "latin1": a superset of ISO-8859-1
 * that also maps 0x80–0x9F to the curly quotes and dashes old Windows files contain).
 *
 * `partial` tolerates a multi-byte sequence cut off at the end, for sniffing a file's head.
 */
export function decodeText(bytes: Uint8Array, options: { partial?: boolean } = {}): { text: string; encoding: TextEncodingName } {
  const bom = detectBom(bytes);
  const stream = options.partial ?? false;
  if (bom) {
    // fatal: false — a stray invalid unit becomes U+FFFD rather than losing the document.
    const decoder = new TextDecoder(bom.encoding, { fatal: false, ignoreBOM: true });
    return { text: decoder.decode(bytes.subarray(bom.bomLength), { stream }), encoding: bom.encoding };
  }
  const utf8 = tryUtf8(bytes, stream);
  if (utf8 !== null) return { text: utf8, encoding: 'utf-8' };
  return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' };
}

function tryUtf8(bytes: Uint8Array, stream: boolean): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes, { stream });
  } catch {
    return null;
  }
}
