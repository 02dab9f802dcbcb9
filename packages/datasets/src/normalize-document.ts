/**
 * Normalises a document: CRLF/CR become LF, control characters other than LF and TAB
 * are dropped (the SOTU data has a stray U+0002), and surrounding whitespace is trimmed.
 */
export function normalizeDocument(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[^\P{Cc}\n\t]/gu, "")
    .trim();
}
