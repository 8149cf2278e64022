import "server-only";

import { ZodError, type z } from "zod";

import { AppError } from "@/lib/errors";

import { INVALID_CURSOR_MESSAGE } from "./cursor";

/** What a listing page calls its query fields, in a sentence. */
const FIELD_NAMES: Record<string, string> = {
  q: "the search",
  sort: "the sort",
  order: "the order",
  type: "the type",
  status: "the status",
  limit: "the page size",
  from: "the first day",
  to: "the last day",
};

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = String(issue.path[0] ?? "a filter");
  const name = FIELD_NAMES[field] ?? field;
  if (issue.code === "too_big" && issue.origin === "string") return `${name} is too long (at most ${String(issue.maximum)} characters)`;
  if (issue.code === "invalid_value") return `${name} is not one of the choices below`;
  return `${name} is not valid`;
}

/**
 * For the listing pages (the admin console, My files): a listing whose filters or cursor are not
 * right (typed by hand, or a link edited) becomes a sentence shown above the filters, never an
 * error page nor a validator's wording.
 */
export async function listingOrProblem<T>(load: () => Promise<T>): Promise<{ data: T | null; problem: string | null }> {
  try {
    return { data: await load(), problem: null };
  } catch (error) {
    if (error instanceof ZodError) return { data: null, problem: `Check the filters: ${error.issues.map(describeIssue).join("; ")}.` };
    if (error instanceof AppError && error.message === INVALID_CURSOR_MESSAGE) {
      return { data: null, problem: "This page link is out of date or was changed by hand: start again from the first page." };
    }
    if (error instanceof AppError) return { data: null, problem: error.message };
    throw error;
  }
}
