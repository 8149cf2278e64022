import "server-only";

import { ZodError } from "zod";

import { AppError } from "@/lib/errors";

/**
 * For the listing pages (the admin console, My files): a listing whose filters or cursor are not
 * right (typed by hand, or a link edited) becomes a message shown above the filters, never an
 * error page.
 */
export async function listingOrProblem<T>(load: () => Promise<T>): Promise<{ data: T | null; problem: string | null }> {
  try {
    return { data: await load(), problem: null };
  } catch (error) {
    if (error instanceof ZodError)
      return { data: null, problem: `Check the filters: ${error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}` };
    if (error instanceof AppError) return { data: null, problem: error.message };
    throw error;
  }
}
