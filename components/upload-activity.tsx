"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";

import { buttonClasses } from "./ui/button";
import { useUploadActivity } from "./upload-provider";

/** In the header on every other page: uploads still running, with a way back to them. */
export function UploadActivity() {
  const { count, percentage } = useUploadActivity();
  const onFiles = usePathname() === "/files";
  return (
    <span aria-live="polite" className="text-sm">
      {count > 0 && !onFiles ? (
        <Link
          href="/files"
          className="rounded-md bg-indigo-50 px-2 py-1 font-medium text-indigo-700 ring-1 ring-indigo-200 hover:bg-indigo-100 dark:bg-indigo-950/40 dark:text-indigo-300 dark:ring-indigo-800 dark:hover:bg-indigo-900/50"
          data-testid="upload-activity"
        >
          Uploading {count} file{count === 1 ? "" : "s"} · {percentage}%
        </Link>
      ) : null}
    </span>
  );
}

/** Signing out stops the uploads still running: ask first. */
export function SignOutButton({ children }: { children: ReactNode }) {
  const { count } = useUploadActivity();
  return (
    <button
      type="submit"
      className={buttonClasses("secondary")}
      onClick={(event) => {
        if (count > 0 && !window.confirm(`${count} upload${count === 1 ? " is" : "s are"} still running. Sign out and stop ${count === 1 ? "it" : "them"}?`))
          event.preventDefault();
      }}
    >
      {children}
    </button>
  );
}
