// Content-Disposition per RFC 6266 with an RFC 5987 `filename*` so non-ASCII names survive:
// browsers prefer filename*, older clients fall back to the ASCII `filename`.

function encodeRfc5987(value: string): string {
  // encodeURIComponent leaves ' ( ) * unescaped; RFC 5987's attr-char excludes them.
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function asciiFallback(value: string): string {
  const ascii = value
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x20-\x7e]/gu, "_")
    .replace(/["\\]/g, "_");
  return ascii.trim().length > 0 ? ascii : "download";
}

export function contentDisposition(fileName: string, type: "attachment" | "inline" = "attachment"): string {
  return `${type}; filename="${asciiFallback(fileName)}"; filename*=UTF-8''${encodeRfc5987(fileName)}`;
}
