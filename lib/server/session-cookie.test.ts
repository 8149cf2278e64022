import type * as NextAuthJwt from "next-auth/jwt";
import { encode } from "next-auth/jwt";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import type * as SessionCookie from "./session-cookie";

// sessionUserId answers what Auth.js's session endpoint would (the same secret, salt and
// chunked-cookie rules), decrypting each cookie once: these check that the shortcut refuses
// everything Auth.js refuses, a cookie that expires while remembered included.

const SECRET = "s".repeat(40);
const COOKIE = "authjs.session-token";
const USER_ID = "0b6f8d7e-1111-4222-8333-944455556666";

const decodeCalls = vi.hoisted(() => ({ count: 0 }));
vi.mock("next-auth/jwt", async (original) => {
  const actual = await original<typeof NextAuthJwt>();
  return { ...actual, decode: (...args: Parameters<typeof actual.decode>) => ((decodeCalls.count += 1), actual.decode(...args)) };
});

let sessionUserId: typeof SessionCookie.sessionUserId;
beforeAll(async () => {
  vi.stubEnv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/valet");
  vi.stubEnv("AUTH_SECRET", SECRET);
  vi.stubEnv("APP_URL", "http://localhost:3000");
  vi.stubEnv("S3_BUCKET", "valet");
  ({ sessionUserId } = await import("./session-cookie"));
});

afterEach(() => {
  vi.useRealTimers();
});

const cookies = (entries: Record<string, string>) => ({ getAll: () => Object.entries(entries).map(([name, value]) => ({ name, value })) });
const session = (token: Record<string, unknown>, maxAge = 3600, secret = SECRET) => encode({ token, secret, salt: COOKIE, maxAge });

describe("sessionUserId", () => {
  it("reads the user from a valid session cookie, decrypting it only once", async () => {
    const token = await session({ sub: USER_ID, email: "a@example.test" });
    const before = decodeCalls.count;
    for (let i = 0; i < 5; i++) expect(await sessionUserId(cookies({ [COOKIE]: token }))).toBe(USER_ID);
    expect(decodeCalls.count - before).toBe(1);
  });

  it("refuses a remembered cookie once it has expired (with Auth.js's 15 s of clock skew)", async () => {
    const token = await session({ sub: USER_ID }, 60);
    expect(await sessionUserId(cookies({ [COOKIE]: token }))).toBe(USER_ID);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 60_000 + 10_000);
    expect(await sessionUserId(cookies({ [COOKIE]: token }))).toBe(USER_ID);
    vi.setSystemTime(Date.now() + 10_000);
    expect(await sessionUserId(cookies({ [COOKIE]: token }))).toBeNull();
  });

  it("refuses no cookie, a forged one, one sealed with another secret, an expired one, and one that names no user", async () => {
    expect(await sessionUserId(cookies({}))).toBeNull();
    expect(await sessionUserId(cookies({ [COOKIE]: Buffer.from(JSON.stringify({ sub: USER_ID })).toString("base64url") }))).toBeNull();
    expect(await sessionUserId(cookies({ [COOKIE]: await session({ sub: USER_ID }, 3600, "o".repeat(40)) }))).toBeNull();
    expect(await sessionUserId(cookies({ [COOKIE]: await session({ sub: USER_ID }, -60) }))).toBeNull();
    expect(await sessionUserId(cookies({ [COOKIE]: await session({ email: "a@example.test" }) }))).toBeNull();
    expect(await sessionUserId(cookies({ [COOKIE]: await session({ sub: "not-a-uuid" }) }))).toBeNull();
    // The secure cookie's name is another salt: over http only the plain name is read.
    expect(await sessionUserId(cookies({ [`__Secure-${COOKIE}`]: await session({ sub: USER_ID }) }))).toBeNull();
  });

  it("reads only the cookie's own name and its numbered chunks, never another name that starts like it", async () => {
    const token = await session({ sub: USER_ID });
    expect(await sessionUserId(cookies({ [`${COOKIE}-x`]: token }))).toBeNull();
    expect(await sessionUserId(cookies({ [`${COOKIE}.0`]: token, [`${COOKIE}-x`]: "junk" }))).toBe(USER_ID);
  });

  it("joins a session split into chunks in their numeric order, as Auth.js does", async () => {
    const token = await session({ sub: USER_ID, name: "x".repeat(200) });
    const [a, b, c] = [token.slice(0, 100), token.slice(100, 200), token.slice(200)];
    expect(await sessionUserId(cookies({ [`${COOKIE}.2`]: c, [`${COOKIE}.0`]: a, [`${COOKIE}.1`]: b }))).toBe(USER_ID);
    expect(await sessionUserId(cookies({ [`${COOKIE}.0`]: b, [`${COOKIE}.1`]: a, [`${COOKIE}.2`]: c }))).toBeNull();
  });
});
