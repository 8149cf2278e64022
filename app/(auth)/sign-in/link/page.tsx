import type { Metadata } from "next";
import { cookies } from "next/headers";
import Link from "next/link";

import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { identityProblemMessage } from "@/lib/identity-policy";
import { signInMethods } from "@/lib/server/auth";
import { pendingLinkPreview } from "@/lib/server/identities";
import { INVALID_CREDENTIALS_MESSAGE } from "@/lib/validation/users";

export const metadata: Metadata = { title: "Link your sign-in" };

// Where a sign-in with the identity provider lands when its verified email belongs to an account
// with a password: that password, once, links the two (POST /api/sign-in/link).
export default async function LinkSignInPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  const { error } = await searchParams;
  const provider = signInMethods().providerName ?? "your identity provider";
  const pending = await pendingLinkPreview(await cookies());
  if (!pending) {
    return (
      <div className="space-y-4">
        <h1 className="text-lg font-semibold">Link your sign-in</h1>
        <Alert>{identityProblemMessage("link_expired", provider)}</Alert>
        <Link className="text-sm font-medium text-indigo-600 hover:text-indigo-500 dark:text-indigo-400" href="/sign-in">
          Back to sign-in
        </Link>
      </div>
    );
  }
  return (
    <form method="post" action="/api/sign-in/link" className="space-y-4">
      <h1 className="text-lg font-semibold">Link your sign-in</h1>
      {error === "invalid_credentials" ? <Alert>{INVALID_CREDENTIALS_MESSAGE}</Alert> : null}
      <p className="text-sm text-slate-600 dark:text-slate-400">
        There is already a Valet account for <strong className="font-medium text-slate-900 dark:text-slate-100">{pending.email}</strong>. Enter its Valet
        password once to link it to your {provider} sign-in; from then on, {provider} signs you in.
      </p>
      <Field id="password" name="password" type="password" label="Valet password" autoComplete="current-password" required />
      <Button type="submit" className="w-full">
        Link and sign in
      </Button>
      <p className="text-center text-sm text-slate-600 dark:text-slate-400">
        Not your account?{" "}
        <Link className="font-medium text-indigo-600 hover:text-indigo-500 dark:text-indigo-400" href="/sign-in">
          Back to sign-in
        </Link>
      </p>
    </form>
  );
}
