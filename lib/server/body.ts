import "server-only";

import { AppError } from "@/lib/errors";

// Every request body Valet reads goes through here: read as a stream and cut off at the cap, so a
// body that is bigger than it says (or says nothing, sent chunked) is refused after MAX_BODY_BYTES,
// never buffered whole.

/** JSON and form bodies are small (a sign batch of 100 requests is ~20 KiB). */
export const MAX_BODY_BYTES = 256 * 1024;

const tooLarge = (max: number) => new AppError("body_too_large", `Request bodies are limited to ${max} bytes.`);

export async function readBodyText(req: Request, max = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > max) throw tooLarge(max);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

export const mediaType = (value: string | null) => (value ?? "").split(";")[0]!.trim().toLowerCase();

/**
 * A form post (urlencoded, as browsers send without JavaScript) or a JSON object, as a record of
 * strings. Anything else is refused (415).
 */
export async function readFormOrJson(req: Request): Promise<Record<string, string>> {
  const type = mediaType(req.headers.get("content-type"));
  if (type !== "application/json" && type !== "application/x-www-form-urlencoded") {
    throw new AppError("unsupported_media_type", "Send the form as application/x-www-form-urlencoded, or JSON.");
  }
  const text = await readBodyText(req);
  if (type === "application/x-www-form-urlencoded") return Object.fromEntries(new URLSearchParams(text));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError("invalid_json", "The request body is not valid JSON.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new AppError("invalid_input", "Send a JSON object.");
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === "string"));
}
