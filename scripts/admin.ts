// `npm run admin -- grant <email>` / `revoke <email>` / `list`: administrator rights, by the
// operator's hand on the server; `link <email> <issuer> <subject>`: an identity provider sign-in
// linked to an account (`--drop-password` when the account has a password: it is then removed). Needs only DATABASE_URL (the app's). Each change is audited.
import { PrismaPg } from "@prisma/adapter-pg";

import { PrismaClient } from "../generated/prisma/client";
import { AppError } from "../lib/errors";
import { linkIdentityByOperator } from "../lib/server/identities";
import { setRoleByEmail } from "../lib/server/users";

const USAGE =
  "usage: npm run admin -- grant <email> | revoke <email> | list | link <email> <issuer> <subject> [--drop-password]   (with DATABASE_URL set to the app's database)";

async function main(): Promise<number> {
  const flags = process.argv.slice(2).filter((a) => a.startsWith("--"));
  const [command, email, issuer, subject] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const dropPassword = flags.includes("--drop-password");
  const url = process.env.DATABASE_URL;
  const isValid = command === "list" || (["grant", "revoke"].includes(command ?? "") && email) || (command === "link" && email && issuer && subject);
  const isValidFlags = flags.every((f) => command === "link" && f === "--drop-password");
  if (!url || !isValid || !isValidFlags) {
    console.error(USAGE);
    return 2;
  }
  const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  try {
    if (command === "list") {
      const admins = await client.user.findMany({ where: { role: "ADMIN" }, orderBy: { createdAt: "asc" }, select: { email: true, disabledAt: true } });
      if (admins.length === 0) console.log("No administrators yet.");
      for (const a of admins) console.log(`${a.email}${a.disabledAt ? " (disabled)" : ""}`);
      return 0;
    }
    if (command === "link") {
      const facts = await linkIdentityByOperator(client, { email: email!, issuer: issuer!, subject: subject!, dropPassword });
      console.log(`Account ${facts.email}: created ${facts.createdAt.toISOString()}${facts.signUpIp ? ` from ${facts.signUpIp}` : ""}.`);
      if (facts.hasPassword) console.log("Its password was removed: from now on it signs in only with the identity provider.");
      console.log(`${email} now also signs in as ${subject} at ${issuer}.`);
      return 0;
    }
    const role = command === "grant" ? "ADMIN" : "USER";
    const { changed } = await setRoleByEmail(client, { email: email!, role });
    console.log(
      changed
        ? `${email} is now ${role === "ADMIN" ? "an administrator" : "an ordinary user"}.`
        : `${email} already was ${role === "ADMIN" ? "an administrator" : "an ordinary user"}; nothing changed.`,
    );
    return 0;
  } catch (error) {
    if (error instanceof AppError) {
      console.error(`admin: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await client.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
