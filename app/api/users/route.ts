import { json, readJson, withPublic } from "@/lib/server/route";
import { createUser } from "@/lib/server/users";
import { signUpSchema } from "@/lib/validation/users";

// POST /api/users — sign up
export const POST = withPublic(async ({ req, meta }) => {
  const input = await readJson(req, signUpSchema);
  const user = await createUser(input, meta);
  return json({ user }, 201);
});
