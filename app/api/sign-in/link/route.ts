import { answerAuthForm, completeIdentityLink } from "@/lib/server/auth-forms";
import { withPublic } from "@/lib/server/route";
import { pendingLinkCookieName } from "@/lib/server/session-cookie";

// POST /api/sign-in/link — {password}: links the identity provider sign-in waiting in this browser to the account it matched, and signs in
export const POST = withPublic(async ({ req, meta }) =>
  answerAuthForm(req, { page: "/sign-in/link", title: "Could not link your sign-in" }, async ({ password = "" }) => {
    await completeIdentityLink({ sealed: req.cookies.get(pendingLinkCookieName())?.value, password, meta });
  }),
);
