// Turns whatever name the browser declares into one that is safe as the last segment of an
// object key and in a Content-Disposition header, while keeping the name a person recognises
// (Unicode letters and emoji stay).

/** Longest name kept, in UTF-8 bytes; keys stay far below S3's 1,024-byte limit. */
export const MAX_NAME_BYTES = 200;
const FALLBACK_NAME = "file";
/** Extensions longer than this are not worth preserving when a name is shortened. */
const MAX_EXTENSION_CHARS = 16;

// C0/C1 controls and DEL; bidirectional overrides and isolates (which make "gpj.exe" render as
// "exe.jpg"); BOM. Zero-width joiners stay: emoji sequences need them.
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ufeff]/gu;
const SEPARATORS = /[/\\]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const encoder = new TextEncoder();
const utf8Length = (s: string) => encoder.encode(s).length;

function truncateToBytes(s: string, maxBytes: number): string {
  if (utf8Length(s) <= maxBytes) return s;
  // Cut between graphemes so an emoji or a combined letter is never split in half.
  const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
  let out = "";
  let used = 0;
  for (const { segment } of segmenter.segment(s)) {
    const size = utf8Length(segment);
    if (used + size > maxBytes) break;
    out += segment;
    used += size;
  }
  return out;
}

export function sanitizeFileName(input: string): string {
  // A lone UTF-16 surrogate cannot be encoded (in a key, a URL, a header): U+FFFD stands in for it.
  let name = input.replace(LONE_SURROGATE, "\ufffd").normalize("NFC").replace(UNSAFE_CHARS, "").replace(SEPARATORS, "_");
  name = name.replace(/\s+/g, " ");
  // No leading dots (hidden files, "..") and no trailing dots or spaces (Windows strips them).
  name = name.replace(/^[\s.]+/, "").replace(/[\s.]+$/, "");
  if (name.length === 0) return FALLBACK_NAME;

  if (utf8Length(name) > MAX_NAME_BYTES) {
    const dot = name.lastIndexOf(".");
    const extension = dot > 0 && name.length - dot <= MAX_EXTENSION_CHARS ? name.slice(dot) : "";
    const stem = truncateToBytes(name.slice(0, name.length - extension.length), MAX_NAME_BYTES - utf8Length(extension));
    name = stem.replace(/[\s.]+$/, "") + extension;
  }
  return name.length === 0 ? FALLBACK_NAME : name;
}
