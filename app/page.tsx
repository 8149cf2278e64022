import { redirect } from "next/navigation";
import { auth } from "@/lib/server/auth";

export default async function Home() {
  const session = await auth();
  redirect(session?.user ? "/files" : "/sign-in");
}
