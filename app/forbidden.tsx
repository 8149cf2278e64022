import Link from "next/link";
import { Logo } from "@/components/logo";

export default function Forbidden() {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center gap-4 px-4 text-center">
      <Logo />
      <h1 className="text-xl font-semibold">You don't have access to this page</h1>
      <p className="max-w-sm text-sm text-slate-600">The admin console is for administrators. Ask an administrator if you need access.</p>
      <Link href="/files" className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
        Back to my files
      </Link>
    </main>
  );
}
