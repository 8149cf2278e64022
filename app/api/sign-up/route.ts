import { answerAuthForm, startSession } from "@/lib/server/auth-forms";
import { withPublic } from "@/lib/server/route";
import { createUser } from "@/lib/server/users";
import { signUpSchema } from "@/lib/validation/users";

// POST /api/sign-up — the sign-up form: {email, password, name?, next?} as a form post or JSON; creates the account and signs in
export const POST = withPublic(async ({ req, meta }) =>
  answerAuthForm(req, { page: "/sign-up", title: "Could not create the account" }, async (fields) => {
    const input = signUpSchema.parse({ email: fields.email, password: fields.password, name: fields.name || undefined });
    await createUser(input, meta);
    await startSession(input);
  }),
);
