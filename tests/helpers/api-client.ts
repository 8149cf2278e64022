// A cookie-keeping HTTP client for Valet's API, used by the integration and smoke tests the way
// any script would use the API: sign up, sign in through Auth.js, then JSON calls.
import { randomBytes, randomUUID } from "node:crypto";

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A made-up client address, so each test client has its own per-IP rate-limit buckets. */
export function randomIp(): string {
  const b = randomBytes(3);
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

export class ApiClient {
  private readonly cookies = new Map<string, string>();
  /** Sent as X-Forwarded-For, as a proxy in front of Valet would. */
  ip = randomIp();
  /** Set to call the API with a personal token instead of the session cookie. */
  bearer: string | undefined;

  constructor(public baseUrl: string) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has("x-forwarded-for")) headers.set("x-forwarded-for", this.ip);
    if (this.bearer && !headers.has("authorization")) headers.set("authorization", `Bearer ${this.bearer}`);
    if (this.cookies.size > 0) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const response = await fetch(new URL(path, this.baseUrl), { ...init, headers, redirect: "manual" });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === "" || /max-age=0|expires=thu, 01 jan 1970/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  async json<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
    const response = await this.request(path, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
  }

  async signUp(email: string, password: string): Promise<void> {
    const res = await this.json("POST", "/api/users", { email, password });
    if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** Auth.js credentials flow: CSRF token (and cookie), then the callback that sets the session. */
  async signIn(email: string, password: string): Promise<boolean> {
    const csrf = await this.json<{ csrfToken: string }>("GET", "/api/auth/csrf");
    const form = new URLSearchParams({ csrfToken: csrf.body.csrfToken, email, password, callbackUrl: "/files" });
    await this.request("/api/auth/callback/credentials", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    return [...this.cookies.keys()].some((name) => name.endsWith("authjs.session-token"));
  }

  /** The Cookie header this client sends. */
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  cookieList(): Array<[string, string]> {
    return [...this.cookies];
  }

  /** The same session, address and token, talking to another app instance. */
  on(baseUrl: string): ApiClient {
    const twin = new ApiClient(baseUrl);
    for (const [k, v] of this.cookies) twin.cookies.set(k, v);
    twin.ip = this.ip;
    twin.bearer = this.bearer;
    return twin;
  }
}

/** A new account, signed in. Each test makes its own, so tests never share state. */
export async function signedInClient(baseUrl: string): Promise<{ client: ApiClient; email: string }> {
  const client = new ApiClient(baseUrl);
  const email = `user-${randomUUID()}@example.test`;
  await client.signUp(email, "correct horse battery");
  if (!(await client.signIn(email, "correct horse battery"))) throw new Error("sign-in did not set a session cookie");
  return { client, email };
}
