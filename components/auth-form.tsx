"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { MIN_PASSWORD_CHARS, withNext } from "@/lib/validation/users";

type Mode = "sign-in" | "sign-up";

/** What the server offers: the identity provider's name (null: none), passwords, new accounts. */
export interface SignInMethods {
  providerName: string | null;
  hasPasswords: boolean;
  isSignUpOpen: boolean;
}

const LINK_CLASSES = "font-medium text-indigo-600 hover:text-indigo-500 dark:text-indigo-400 dark:hover:text-indigo-300";

/** "Sign in with …": a plain form (works without JavaScript) whose answer sends the browser to the provider. */
function ProviderButton({ name, next, isPrimary }: { name: string; next: string; isPrimary: boolean }) {
  return (
    <form method="post" action="/api/sign-in/oidc">
      <input type="hidden" name="next" value={next} />
      <Button type="submit" variant={isPrimary ? "primary" : "secondary"} className="w-full">
        Sign in with {name}
      </Button>
    </form>
  );
}

/**
 * A real form: it posts (never GET, so a password can never end up in a URL) to /api/sign-in or
 * /api/sign-up and works without JavaScript. With JavaScript it posts the same fields as JSON and
 * shows the answer in place.
 */
export function AuthForm({
  mode,
  methods,
  next = "/files",
  initialError = null,
}: {
  mode: Mode;
  methods: SignInMethods;
  next?: string;
  initialError?: string | null;
}) {
  const router = useRouter();
  const [error, setError] = useState<{ code?: string; message: string } | null>(initialError === null ? null : { message: initialError });
  const [isBusy, setIsBusy] = useState(false);
  const isSignUp = mode === "sign-up";

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fields = Object.fromEntries([...new FormData(event.currentTarget)].map(([k, v]) => [k, typeof v === "string" ? v : ""]));
    setError(null);
    setIsBusy(true);
    try {
      const res = await fetch(isSignUp ? "/api/sign-up" : "/api/sign-in", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(fields),
        credentials: "same-origin",
      });
      const data = (await res.json().catch(() => null)) as { redirectTo?: string; error?: { code: string; message: string } } | null;
      if (!res.ok) {
        setError(data?.error ?? { message: "Something went wrong. Try again." });
        setIsBusy(false);
        return;
      }
      // Stays busy until the next page replaces this one: a second click would sign up twice.
      router.replace(data?.redirectTo ?? next);
      router.refresh();
    } catch {
      setError({ message: "Could not reach Valet. Check your connection and try again." });
      setIsBusy(false);
    }
  }

  const { providerName, hasPasswords, isSignUpOpen } = methods;
  const heading = <h1 className="text-lg font-semibold">{isSignUp ? "Create your account" : "Sign in"}</h1>;
  const alert =
    error?.code === "email_taken" ? (
      <Alert>
        {error.message.replace(/\s*Sign in instead\.?$/, "")}{" "}
        <Link className="font-medium underline" href={withNext("/sign-in", next)}>
          Sign in instead
        </Link>
        .
      </Alert>
    ) : error ? (
      <Alert>{error.message}</Alert>
    ) : null;

  // No password form: the provider's button alone (its first sign-in makes the account).
  if (!hasPasswords || (isSignUp && !isSignUpOpen)) {
    return (
      <div className="space-y-4">
        {heading}
        {alert}
        {isSignUp ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">
            {isSignUpOpen && providerName
              ? `Your Valet account is made the first time you sign in with ${providerName}.`
              : "This Valet does not create new accounts here. Ask an administrator."}
          </p>
        ) : null}
        {providerName ? <ProviderButton name={providerName} next={next} isPrimary /> : null}
        {isSignUp ? (
          <p className="text-center text-sm text-slate-600 dark:text-slate-400">
            Already have an account?{" "}
            <Link className={LINK_CLASSES} href={withNext("/sign-in", next)}>
              Sign in
            </Link>
          </p>
        ) : null}
      </div>
    );
  }

  const hasProviderButton = providerName !== null && !isSignUp;
  return (
    <div className="space-y-4">
      {hasProviderButton ? (
        <>
          {heading}
          {alert}
          <ProviderButton name={providerName} next={next} isPrimary={false} />
          <p className="flex items-center gap-3 text-xs text-slate-500 uppercase dark:text-slate-400" aria-hidden="true">
            <span className="h-px flex-1 bg-slate-200 dark:bg-slate-700" />
            or with a password
            <span className="h-px flex-1 bg-slate-200 dark:bg-slate-700" />
          </p>
        </>
      ) : null}
      <form method="post" action={isSignUp ? "/api/sign-up" : "/api/sign-in"} onSubmit={(event) => void onSubmit(event)} className="space-y-4">
        {hasProviderButton ? null : (
          <>
            {heading}
            {alert}
          </>
        )}
        <input type="hidden" name="next" value={next} />
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
        {isSignUp || isSignUpOpen ? (
          <p className="text-center text-sm text-slate-600 dark:text-slate-400">
            {isSignUp ? "Already have an account? " : "New to Valet? "}
            <Link className={LINK_CLASSES} href={withNext(isSignUp ? "/sign-in" : "/sign-up", next)}>
              {isSignUp ? "Sign in" : "Create an account"}
            </Link>
          </p>
        ) : null}
      </form>
    </div>
  );
}
