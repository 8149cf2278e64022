import { answerAuthForm, startSession } from "@/lib/server/auth-forms";
import { withPublic } from "@/lib/server/route";

// POST /api/sign-in — the sign-in form: {email, password, next?} as a form post or JSON; sets the session cookie
export const POST = withPublic(async ({ req }) =>
  answerAuthForm(req, { page: "/sign-in", title: "Could not sign in" }, async ({ email = "", password = "" }) => {
    await startSession({ email, password });
  }),
);
