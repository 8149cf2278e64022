import type { Metadata } from "next";

import { ApiTokens } from "@/components/api-tokens";
import { listApiTokens } from "@/lib/server/api-tokens";
import { env } from "@/lib/server/env";
import { requireUser } from "@/lib/server/session";

export const metadata: Metadata = { title: "API tokens" };

export default async function SettingsPage() {
  const user = await requireUser();
  return (
    <section className="space-y-4" aria-labelledby="tokens-heading">
      <div>
        <h1 id="tokens-heading" className="text-2xl font-semibold tracking-tight">
          API tokens
        </h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Personal tokens let scripts call the API as you: <code className="text-xs">Authorization: Bearer &lt;token&gt;</code>. Only a hash is kept; revoking
          one stops it at once.
        </p>
      </div>
      <ApiTokens initialTokens={await listApiTokens(user)} appUrl={env().APP_ORIGIN} isAdmin={user.role === "ADMIN"} />
    </section>
  );
}
