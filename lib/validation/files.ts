import { z } from "zod";

import { FILE_KINDS } from "../media-types";
import { uploadPageFields } from "./listing";

/** GET /api/files and the My files page: the same query string. */
export const listFilesQuerySchema = z.object({
  /** Part of the file's name, in any case. */
  q: z.string().trim().max(200).optional(),
  type: z.enum(FILE_KINDS).optional(),
  ...uploadPageFields,
});
export type ListFilesQuery = z.infer<typeof listFilesQuerySchema>;

/** Files one bulk delete may name: each costs a storage DELETE and a transaction, one after another. */
export const MAX_BULK_DELETE = 100;

export const deleteFilesSchema = z.object({
  ids: z.array(z.uuid("every id must be a file id")).min(1, "give at least one file id").max(MAX_BULK_DELETE, `at most ${MAX_BULK_DELETE} files per request`),
});
export type DeleteFilesInput = z.infer<typeof deleteFilesSchema>;
