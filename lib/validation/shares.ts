import { z } from "zod";

export const MAX_SHARE_DOWNLOADS = 1_000_000;
/** New share passwords; a link allows 5 guesses per 15 minutes, so a short one would be guessed in days. */
export const MIN_SHARE_PASSWORD_CHARS = 8;

export const createShareSchema = z.object({
  expiresInSeconds: z.number().int("expiresInSeconds must be a whole number of seconds").optional(),
  maxDownloads: z.number().int("maxDownloads must be a whole number").min(1, "maxDownloads must be at least 1").max(MAX_SHARE_DOWNLOADS).nullish(),
  // An empty password means "no password", as an empty form field does.
  password: z
    .string()
    .max(256, "password must be at most 256 characters")
    .refine((p) => p === "" || p.length >= MIN_SHARE_PASSWORD_CHARS, `password must be at least ${MIN_SHARE_PASSWORD_CHARS} characters (or empty for none)`)
    .optional()
    .transform((p) => (p ? p : undefined)),
});
export type CreateShareInput = z.infer<typeof createShareSchema>;
