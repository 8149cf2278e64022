import { z } from "zod";

export const MAX_SHARE_DOWNLOADS = 1_000_000;

export const createShareSchema = z.object({
  expiresInSeconds: z.number().int("expiresInSeconds must be a whole number of seconds").optional(),
  maxDownloads: z.number().int("maxDownloads must be a whole number").min(1, "maxDownloads must be at least 1").max(MAX_SHARE_DOWNLOADS).nullish(),
  // An empty password means "no password", as an empty form field does.
  password: z
    .string()
    .max(256, "password must be at most 256 characters")
    .optional()
    .transform((p) => (p ? p : undefined)),
});
export type CreateShareInput = z.infer<typeof createShareSchema>;
