import type { Metadata } from "next";
import Link from "next/link";

import { SetupForm } from "@/components/setup-form";
import { requireUser } from "@/lib/server/session";
import { hasAdmin } from "@/lib/server/setup";

export const metadata: Metadata = { title: "Set up Valet" };

export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const user = await requireUser();
  const { token } = await searchParams;
  if (await hasAdmin()) {
    return (
      <section className="mx-auto max-w-lg space-y-3" aria-labelledby="setup-heading">
        <h1 id="setup-heading" className="text-2xl font-semibold tracking-tight">
          Valet is set up
        </h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          {user.role === "ADMIN" ? "You are an administrator." : "It already has an administrator; ask them if you need admin rights."}
        </p>
        <Link
          href={user.role === "ADMIN" ? "/admin" : "/files"}
          className="text-sm font-medium text-indigo-600 hover:text-indigo-500 dark:text-indigo-400 dark:hover:text-indigo-300"
        >
          {user.role === "ADMIN" ? "Open the admin console" : "Back to my files"}
        </Link>
      </section>
    );
  }
  return (
    <section className="mx-auto max-w-lg space-y-4" aria-labelledby="setup-heading">
      <div className="space-y-1">
        <h1 id="setup-heading" className="text-2xl font-semibold tracking-tight">
          Become this Valet&apos;s administrator
        </h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Valet has no administrator yet. The server printed a one-time setup token in its log when it started. Whoever presents it first becomes the
          administrator, as
          <span className="font-medium"> {user.email}</span>.
        </p>
      </div>
      <SetupForm initialToken={token ?? ""} />
    </section>
  );
}
