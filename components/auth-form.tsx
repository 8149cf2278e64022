"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ApiError, valetApi } from "@/lib/upload-client";
import { MIN_PASSWORD_CHARS } from "@/lib/validation/users";

type Mode = "sign-in" | "sign-up";

export function AuthForm({ mode }: { mode: Mode }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const isSignUp = mode === "sign-up";

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setError(null);
    setIsBusy(true);
    try {
      if (isSignUp) await valetApi.signUp({ email, password, name: String(form.get("name") ?? "") || undefined });
      const result = await signIn("credentials", { email, password, redirect: false });
      if (!result || result.error) {
        setError("That email and password don't match an account. Check them and try again.");
        return;
      }
      router.replace("/files");
      router.refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Something went wrong. Try again.");
    } finally {
      setIsBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate={false}>
      <h1 className="text-lg font-semibold">{isSignUp ? "Create your account" : "Sign in"}</h1>
      {error ? <Alert>{error}</Alert> : null}
      {isSignUp ? <Field id="name" name="name" label="Name (optional)" autoComplete="name" maxLength={100} /> : null}
      <Field id="email" name="email" type="email" label="Email" autoComplete="email" required />
      <Field
        id="password"
        name="password"
        type="password"
        label="Password"
        autoComplete={isSignUp ? "new-password" : "current-password"}
        minLength={isSignUp ? MIN_PASSWORD_CHARS : undefined}
        hint={isSignUp ? `At least ${MIN_PASSWORD_CHARS} characters.` : undefined}
        required
      />
      <Button type="submit" className="w-full" disabled={isBusy}>
        {isBusy ? "Please wait…" : isSignUp ? "Create account" : "Sign in"}
      </Button>
      <p className="text-center text-sm text-slate-600">
        {isSignUp ? "Already have an account? " : "New to Valet? "}
        <Link className="font-medium text-indigo-600 hover:text-indigo-500" href={isSignUp ? "/sign-in" : "/sign-up"}>
          {isSignUp ? "Sign in" : "Create an account"}
        </Link>
      </p>
    </form>
  );
}
