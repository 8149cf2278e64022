"use client";

import { useState } from "react";

import { Button } from "@/components/ui/button";

/** The file's SHA-256 with a copy button, or word that a worker is still computing it. */
export function FileChecksum({ sha256 }: { sha256: string | null }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  return (
    <div className="space-y-1" data-testid="file-checksum">
      <h2 className="text-sm font-medium text-slate-700 dark:text-slate-300">SHA-256</h2>
      {sha256 === null ? (
        <p className="text-sm text-slate-600 dark:text-slate-400" role="status">
          Computing the checksum…
        </p>
      ) : (
        <div className="flex flex-wrap items-center gap-2">
          <code
            className="min-w-0 rounded bg-slate-100 px-2 py-1 font-mono text-xs break-all text-slate-800 dark:bg-slate-800 dark:text-slate-200"
            data-testid="sha256"
          >
            {sha256}
          </code>
          <Button
            variant="secondary"
            onClick={() =>
              void navigator.clipboard.writeText(sha256).then(
                () => setCopied("yes"),
                () => setCopied("failed"),
              )
            }
            aria-label="Copy the SHA-256"
          >
            Copy
          </Button>
          <span className="text-xs text-slate-600 dark:text-slate-400" aria-live="polite">
            {copied === "yes" ? "Copied." : copied === "failed" ? "Could not copy: select it and copy by hand." : ""}
          </span>
        </div>
      )}
    </div>
  );
}
