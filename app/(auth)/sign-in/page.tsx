import type { Metadata } from "next";
import { redirect } from "next/navigation";

import { AuthForm } from "@/components/auth-form";
import { identityProblemMessage } from "@/lib/identity-policy";
import { currentUser, signInMethods } from "@/lib/server/auth";
import { INVALID_CREDENTIALS_MESSAGE, safeNextPath } from "@/lib/validation/users";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ error?: string; next?: string }> }) {
  const { error, next } = await searchParams;
  const goTo = safeNextPath(next);
  // Only an account that is really there and active skips the form (a disabled one's cookie would loop).
  if (await currentUser()) redirect(goTo);
  const methods = signInMethods();
  // A form posted without JavaScript comes back here after a wrong password; a sign-in with the
  // identity provider comes back here with the reason it was refused. Only known codes are shown.
  const message =
    error === "invalid_credentials"
      ? INVALID_CREDENTIALS_MESSAGE
      : error
        ? identityProblemMessage(error, methods.providerName ?? "your identity provider")
        : null;
  return <AuthForm mode="sign-in" methods={methods} next={goTo} initialError={message} />;
}
