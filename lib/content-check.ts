// Does what landed look like what was declared? Pure: given the declared type and what the
// first bytes were detected as, says why not (or null). The server's sniffing lives in
// lib/server/content-sniff.ts.

/** Declared types whose bytes carry a signature, and the detections that count as a match. */
const SIGNATURE_FAMILIES: Record<string, string[]> = {
  "image/jpeg": ["image/jpeg"],
  "image/png": ["image/png", "image/apng"],
  "image/gif": ["image/gif"],
  "image/webp": ["image/webp"],
  "image/avif": ["image/avif"],
  "application/pdf": ["application/pdf"],
  "application/gzip": ["application/gzip"],
  "audio/mpeg": ["audio/mpeg"],
  "audio/ogg": ["audio/ogg", "audio/opus", "application/ogg", "video/ogg"],
  "audio/wav": ["audio/wav", "audio/vnd.wave", "audio/x-wav"],
  "video/mp4": ["video/mp4", "video/x-m4v", "video/quicktime", "audio/mp4"],
  "video/quicktime": ["video/quicktime", "video/mp4"],
  "video/webm": ["video/webm", "video/x-matroska"],
};

// ZIP containers: an Office or OpenDocument file is a ZIP, and old tools detect it as one.
const ZIP_FAMILY = [
  "application/zip",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  "application/vnd.oasis.opendocument.text",
  "application/vnd.oasis.opendocument.spreadsheet",
];
for (const type of ZIP_FAMILY) SIGNATURE_FAMILIES[type] = ZIP_FAMILY;

/** Text has no signature: it passes unless it turns out to be a binary format or markup. */
function isTextual(type: string): boolean {
  return type.startsWith("text/") || type === "application/json";
}

export interface Detected {
  /** What a signature library recognised in the first bytes, if anything. */
  mime: string | undefined;
  /** The first bytes open like an HTML or SVG document. */
  isMarkup: boolean;
}

export function contentMismatch(declared: string, detected: Detected): string | null {
  const family = SIGNATURE_FAMILIES[declared];
  if (family) {
    if (detected.mime && family.includes(detected.mime)) return null;
    const actual = detected.mime ?? (detected.isMarkup ? "HTML/SVG markup" : "no recognisable format");
    return `Content mismatch: declared ${declared}, but the bytes are ${actual}.`;
  }
  if (isTextual(declared)) {
    return detected.mime ? `Content mismatch: declared ${declared}, but the bytes are ${detected.mime}.` : null;
  }
  // Types an operator added to the allowlist: refuse only a positive detection of something else.
  if (detected.mime && detected.mime !== declared) return `Content mismatch: declared ${declared}, but the bytes are ${detected.mime}.`;
  return null;
}

const MARKUP_OPENINGS = ["<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<svg", "<?xml"];

export function looksLikeMarkup(head: Uint8Array): boolean {
  const text = new TextDecoder("utf-8", { fatal: false })
    .decode(head.subarray(0, 512))
    .replace(/^\ufeff/, "")
    .trimStart()
    .toLowerCase();
  return MARKUP_OPENINGS.some((opening) => text.startsWith(opening));
}
