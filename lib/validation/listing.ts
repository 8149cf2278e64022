import { z } from "zod";

// What every keyset-paginated listing takes from a query string: the admin console's and My files'.

/** Query strings from HTML GET forms send empty fields; they mean "no filter". */
export function queryObject(params: URLSearchParams): Record<string, string> {
  return Object.fromEntries([...params].filter(([, v]) => v.trim() !== ""));
}

/** A page's search params the same way: the first of a repeated field, trimmed; empty ones left out. */
export function pageQuery(search: Record<string, string | string[] | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(search).flatMap(([k, v]) => {
      const first = (Array.isArray(v) ? v[0] : v)?.trim();
      return first ? [[k, first]] : [];
    }),
  );
}

export const UPLOAD_SORTS = ["date", "size", "name"] as const;
export type UploadSort = (typeof UPLOAD_SORTS)[number];
export type SortOrder = "asc" | "desc";

/** Sort, order, page size and the cursor a previous page handed out. */
export const uploadPageFields = {
  sort: z.enum(UPLOAD_SORTS).default("date"),
  order: z.enum(["asc", "desc"]).default("desc"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(1000).optional(),
};
