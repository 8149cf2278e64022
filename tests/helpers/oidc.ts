// The test identity provider (scripts/lib/test-idp.ts, started by `npm test`): its control API, and
// a sign-in through it driven with fetch, one redirect at a time, as a browser would follow them.
import { randomUUID } from "node:crypto";

import type { TestIdpAccount } from "../../scripts/lib/test-idp";
import { ApiClient } from "./api-client";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through \`npm test\`.`);
  return value;
}

export const IDP_ISSUER = required("OIDC_ISSUER");
const CONTROL_TOKEN = required("VALET_TEST_OIDC_CONTROL_TOKEN");

async function control(path: string, body: object): Promise<Response> {
  const response = await fetch(new URL(path, IDP_ISSUER), {
    method: "PUT",
    headers: { authorization: `Bearer ${CONTROL_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`test IdP ${path}: ${response.status}`);
  return response;
}

export interface IdpUser {
  username: string;
  password: string;
  sub: string;
  email: string;
}

/** Creates (or replaces) an account at the provider; its claims are read again at each sign-in. */
export async function setIdpAccount(username: string, account: TestIdpAccount): Promise<IdpUser> {
  const { sub } = (await (await control(`/__test/accounts/${encodeURIComponent(username)}`, account)).json()) as { sub: string };
  return { username, password: account.password, sub, email: account.email ?? "" };
}

/** A new provider account with a verified address at example.test (each test its own). */
export async function newIdpUser(overrides: Partial<TestIdpAccount> = {}): Promise<IdpUser> {
  const username = `idp-${randomUUID()}`;
  return setIdpAccount(username, { password: "idp password 1", email: `${username}@example.test`, email_verified: true, name: "Ida Provider", ...overrides });
}

/** Registers a client, e.g. for an app instance a test starts on a port of its own. */
export async function registerIdpClient(clientId: string, metadata: { client_secret: string; redirect_uris: string[] }): Promise<void> {
  await control(`/__test/clients/${encodeURIComponent(clientId)}`, metadata);
}

/**
 * "Sign in with Test IdP" up to the moment the provider sends the browser back: the app's button
 * (POST /api/sign-in/oidc), the provider's login form, and its redirects. Returns the callback URL
 * (with code and state) without calling it, so a test can tamper with it or keep it for a replay.
 * `idp` is the browser's cookie jar at the provider (its session), kept across sign-ins.
 */
export async function startOidcSignIn(app: ApiClient, user: IdpUser, idp = new ApiClient(IDP_ISSUER)): Promise<URL> {
  const started = await app.request("/api/sign-in/oidc", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "next=%2Ffiles",
  });
  if (started.status !== 303) throw new Error(`the sign-in button answered ${started.status}: ${await started.text()}`);
  let location = new URL(started.headers.get("location")!);
  for (let hop = 0; hop < 10; hop++) {
    if (location.origin === new URL(app.baseUrl).origin) return location;
    const response = await idp.request(location.toString());
    if (response.status === 200 && /\/interaction\/[^/]+$/.test(location.pathname)) {
      const login = await idp.request(`${location.pathname}/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ username: user.username, password: user.password }).toString(),
      });
      if (login.status !== 303) throw new Error(`the provider refused the login: ${login.status} ${await login.text()}`);
      location = new URL(login.headers.get("location")!, location);
      continue;
    }
    if (response.status < 300 || response.status >= 400)
      throw new Error(`the provider answered ${response.status} at ${location.pathname}: ${await response.text()}`);
    location = new URL(response.headers.get("location")!, location);
  }
  throw new Error("too many redirects at the provider");
}

/** Calls the app's callback as the browser would; the answer is a redirect (where to, and whether a session came with it). */
export async function finishOidcSignIn(app: ApiClient, callback: URL): Promise<{ status: number; location: URL | null; hasSession: boolean }> {
  const response = await app.request(`${callback.pathname}${callback.search}`);
  const location = response.headers.get("location");
  const hasSession = response.headers.getSetCookie().some((c) => /authjs\.session-token=[^;]+/.test(c) && !/max-age=0/i.test(c));
  return { status: response.status, location: location ? new URL(location, app.baseUrl) : null, hasSession };
}

/** The whole sign-in; `location` is where the app sent the browser at the end. */
export async function oidcSignIn(app: ApiClient, user: IdpUser, idp?: ApiClient) {
  return finishOidcSignIn(app, await startOidcSignIn(app, user, idp));
}
