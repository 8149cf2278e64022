import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthForm } from "@/components/auth-form";
import { auth } from "@/lib/server/auth";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage() {
  if ((await auth())?.user) redirect("/files");
  return <AuthForm mode="sign-in" />;
}
