import { z } from "zod";

export const createApiTokenSchema = z.object({
  name: z.string().trim().min(1, "give the token a name").max(100),
  expiresInDays: z.number().int().min(1).max(3650).nullish(),
});
export type CreateApiTokenInput = z.infer<typeof createApiTokenSchema>;
