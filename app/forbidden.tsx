import Link from "next/link";

import { Logo } from "@/components/logo";
import { hasAdmin } from "@/lib/server/setup";

export default async function Forbidden() {
  // A fresh install has no administrator to ask: say how one is made.
  const noAdminYet = !(await hasAdmin().catch(() => true));
  return (
    <main id="main" tabIndex={-1} className="flex min-h-screen flex-col items-center justify-center gap-4 px-4 text-center">
      <Logo />
      <h1 className="text-xl font-semibold">You don&apos;t have access to this page</h1>
      <p className="max-w-sm text-sm text-slate-600 dark:text-slate-400">
        {noAdminYet
          ? "The admin console is for administrators, and this Valet has none yet. Whoever runs it can open the setup link from the server log, or run npm run admin -- grant <email> on the server."
          : "The admin console is for administrators. Ask an administrator if you need access."}
      </p>
      <Link href="/files" className="text-sm font-medium text-indigo-600 hover:text-indigo-500 dark:text-indigo-400 dark:hover:text-indigo-300">
        Back to my files
      </Link>
    </main>
  );
}
