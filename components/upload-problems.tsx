"use client";

import { Button } from "./ui/button";
import { useUploadProblems } from "./upload-provider";

/**
 * Every upload problem of this session, each naming its file and saying what to do, kept until
 * dismissed: a refused type, a failed upload, a rejected or quarantined file with Valet's reason.
 */
export function UploadProblems() {
  const { problems, dismiss, dismissAll } = useUploadProblems();
  return (
    // Announced as they come (polite: the uploader goes on with the other files).
    <section aria-label="Upload problems" aria-live="polite" data-testid="upload-problems" className={problems.length === 0 ? "sr-only" : "space-y-2"}>
      {problems.length > 1 ? (
        <div className="flex items-center justify-between gap-2">
          <h2 className="text-sm font-semibold text-red-800 dark:text-red-200">{problems.length} files need your attention</h2>
          <Button variant="ghost" onClick={dismissAll}>
            Dismiss all
          </Button>
        </div>
      ) : null}
      <ul className="space-y-2">
        {problems.map((problem) => (
          <li
            key={problem.id}
            data-testid="upload-problem"
            className="flex items-start gap-3 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950/40 dark:text-red-100"
          >
            <p className="min-w-0 flex-1 break-words">
              <span className="font-semibold">{problem.fileName}</span> · <span className="font-medium">{problem.title}.</span> {problem.message}
            </p>
            <Button
              variant="ghost"
              className="shrink-0 !px-2 !py-1 text-red-900 hover:bg-red-100 dark:text-red-100 dark:hover:bg-red-900/50"
              onClick={() => dismiss(problem.id)}
              aria-label={`Dismiss: ${problem.fileName}`}
            >
              Dismiss
            </Button>
          </li>
        ))}
      </ul>
    </section>
  );
}
