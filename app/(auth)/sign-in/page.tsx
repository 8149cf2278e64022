import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthForm } from "@/components/auth-form";
import { auth } from "@/lib/server/auth";
import { INVALID_CREDENTIALS_MESSAGE } from "@/lib/validation/users";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  if ((await auth())?.user) redirect("/files");
  // A form posted without JavaScript comes back here after a wrong password.
  const { error } = await searchParams;
  return <AuthForm mode="sign-in" initialError={error === "invalid_credentials" ? INVALID_CREDENTIALS_MESSAGE : null} />;
}
