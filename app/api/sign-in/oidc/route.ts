import { answerAuthForm, startIdentitySignIn } from "@/lib/server/auth-forms";
import { withPublic } from "@/lib/server/route";

// POST /api/sign-in/oidc — the "Sign in with …" button: {next?}; 303 to the identity provider's login
export const POST = withPublic(async ({ req }) =>
  answerAuthForm(req, { page: "/sign-in", title: "Could not sign in" }, async (_fields, next) => startIdentitySignIn(next)),
);
