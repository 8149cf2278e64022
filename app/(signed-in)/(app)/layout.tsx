import type { ReactNode } from "react";

// My files, a file's page, settings. Not a guard: each page calls requireUser() itself.
export default function AppLayout({ children }: { children: ReactNode }) {
  return (
    <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-8">
      {children}
    </main>
  );
}
