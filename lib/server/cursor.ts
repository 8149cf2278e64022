import "server-only";

// Opaque keyset-pagination cursors: the last row's sort value and id, base64url-encoded JSON.
// Keyset (WHERE (value, id) < (…)) instead of OFFSET keeps every page an index range scan.
import { AppError } from "@/lib/errors";

import { isUuid } from "./access";

export interface Cursor {
  /** The sort column's value on the last row, as a string (dates in ISO form, sizes in decimal). */
  value: string;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.value, cursor.id]), "utf8").toString("base64url");
}

export function decodeCursor(raw: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === "string" && typeof parsed[1] === "string" && isUuid(parsed[1])) {
      return { value: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through
  }
  throw invalidCursor();
}

/** A cursor value that must be a point in time (rows sorted by date). */
export function cursorTime(value: string): Date {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw invalidCursor();
  return time;
}

export const INVALID_CURSOR_MESSAGE = "cursor is not one this API handed out.";
export const invalidCursor = () => new AppError("invalid_input", INVALID_CURSOR_MESSAGE);
