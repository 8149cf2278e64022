import type { Metadata } from "next";
import { redirect } from "next/navigation";

import { AuthForm } from "@/components/auth-form";
import { currentUser, signInMethods } from "@/lib/server/auth";
import { safeNextPath } from "@/lib/validation/users";

export const metadata: Metadata = { title: "Create an account" };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const goTo = safeNextPath((await searchParams).next);
  if (await currentUser()) redirect(goTo);
  return <AuthForm mode="sign-up" methods={signInMethods()} next={goTo} />;
}
