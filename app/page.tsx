import { redirect } from "next/navigation";

import { currentUser } from "@/lib/server/auth";

// The account itself is looked at, not just the cookie: a disabled account's session goes to sign-in.
export default async function Home() {
  redirect((await currentUser()) ? "/files" : "/sign-in");
}
