// Bytes that really are what the tests declare them to be: completion sniffs the first bytes.
import { randomBytes } from "node:crypto";

/** A valid 1×1 PNG. */
export const PNG_1X1 = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");

const ZIP_HEADER = Buffer.concat([Buffer.from("504b0304", "hex"), Buffer.alloc(26)]);
const MP4_HEADER = Buffer.from("000000186674797069736f6d0000020069736f6d", "hex");

/** `size` bytes that open like a ZIP archive and continue at random. */
export function zipLike(size: number): Buffer {
  return Buffer.concat([ZIP_HEADER, randomBytes(size - ZIP_HEADER.length)]);
}

/** `size` bytes that open like an MP4 file and continue at random. */
export function mp4Like(size: number): Buffer {
  return Buffer.concat([MP4_HEADER, randomBytes(size - MP4_HEADER.length)]);
}
