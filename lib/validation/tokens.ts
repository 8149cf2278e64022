import { z } from "zod";

import { TOKEN_SCOPES } from "../scopes";

export const createApiTokenSchema = z.object({
  name: z.string().trim().min(1, "give the token a name").max(100),
  expiresInDays: z.number().int().min(1).max(3650).nullish(),
  // What the token may do; unset gives the non-admin scopes (files:read, files:write, shares:write).
  scopes: z.array(z.enum(TOKEN_SCOPES)).min(1, "give the token at least one scope").max(TOKEN_SCOPES.length).optional(),
});
export type CreateApiTokenInput = z.infer<typeof createApiTokenSchema>;
