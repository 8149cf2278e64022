import type { Metadata } from "next";
import Link from "next/link";

import { Logo } from "@/components/logo";

export const metadata: Metadata = { title: "Not found" };

export default function NotFound() {
  return (
    <main id="main" tabIndex={-1} className="flex min-h-screen flex-col items-center justify-center gap-4 px-4 text-center">
      <Logo />
      <h1 className="text-xl font-semibold">Nothing here</h1>
      <p className="max-w-sm text-sm text-slate-600 dark:text-slate-400">
        This page or link does not exist. If someone sent you a link, check that you copied all of it.
      </p>
      <Link href="/" className="text-sm font-medium text-indigo-600 hover:text-indigo-500 dark:text-indigo-400 dark:hover:text-indigo-300">
        Go to Valet
      </Link>
    </main>
  );
}
