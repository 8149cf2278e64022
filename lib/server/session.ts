import "server-only";

import { forbidden, redirect } from "next/navigation";
import { cache } from "react";

import type { Actor } from "./access";
import { currentUser } from "./auth";

// For pages: every page that shows anyone's data calls one of these itself. A layout's check is
// skipped on client-side navigation (Next renders only the page), so it can never be the guard;
// and the data functions below the page check the actor again. Memoised per request.

/** The signed-in user, or a redirect to the sign-in page. */
export const requireUser = cache(async (): Promise<Actor> => {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  return user;
});

/** A signed-in administrator, or the 403 page. */
export const requireAdmin = cache(async (): Promise<Actor> => {
  const user = await requireUser();
  if (user.role !== "ADMIN") forbidden();
  return user;
});
