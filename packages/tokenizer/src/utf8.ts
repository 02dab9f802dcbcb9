const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF in the output (the default would strip it and break round trips).
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** UTF-8 bytes of `text`; lone surrogates become U+FFFD, as TextEncoder specifies. */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Invalid or truncated sequences decode to U+FFFD instead of throwing. */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
