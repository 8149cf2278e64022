import { answerAuthForm, startSession } from "@/lib/server/auth-forms";
import { readFormOrJson } from "@/lib/server/body";
import { withPublic } from "@/lib/server/route";

// POST /api/sign-in — the sign-in form: {email, password} as a form post or JSON; sets the session cookie
export const POST = withPublic(async ({ req }) =>
  answerAuthForm(req, { page: "/sign-in", title: "Could not sign in" }, async () => {
    const { email = "", password = "" } = await readFormOrJson(req);
    await startSession({ email, password });
  }),
);
