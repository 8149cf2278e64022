// A real OpenID Connect provider for the test suite (the `oidc-provider` package, the certified
// Node implementation): authorization code + PKCE, discovery, signed ID tokens. The suite starts
// one on a free port before the app (the app's OIDC_ISSUER points at it) and the tests drive it
// through a small control API: accounts with passwords, emails and groups they can change between
// sign-ins, clients for extra app instances, and an account whose ID tokens are forged (another
// audience, another issuer) to prove the app refuses them.
import { createPrivateKey, generateKeyPairSync, randomBytes, randomUUID, sign, type JsonWebKey } from "node:crypto";
import http from "node:http";

import { freePort } from "./process";

/** What the control API takes for an account (PUT /__test/accounts/:username). */
export interface TestIdpAccount {
  password: string;
  /** Stable per username unless given. */
  sub?: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
  /** Forge this account's ID tokens: for another client (`aud`), or from another issuer (`iss`, signed with another key). */
  forgeIdToken?: "aud" | "iss" | null;
}

export interface TestIdp {
  issuer: string;
  controlToken: string;
  stop(): Promise<void>;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid: string, clientName: string, error?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test IdP · Sign in</title></head>
<body><main><h1>Test IdP</h1><p>Sign in to continue to ${escape(clientName)}.</p>
${error ? `<p role="alert">${escape(error)}</p>` : ""}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="username">Username</label> <input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Continue</button></form></main></body></html>`;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

/** An RS256 JWT over `payload`, signed with `key` (a private JWK). */
function signJwt(payload: Record<string, unknown>, key: JsonWebKey & { kid: string }): string {
  const input = `${base64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: key.kid }))}.${base64url(JSON.stringify(payload))}`;
  const signature = sign("sha256", Buffer.from(input), createPrivateKey({ key, format: "jwk" }));
  return `${input}.${base64url(signature)}`;
}

function rsaJwk(kid: string): JsonWebKey & { kid: string } {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), kid, use: "sig", alg: "RS256" };
}

/** Starts the provider on `http://localhost:<free port>`; `clients` are registered from the start. */
export async function startTestIdp(args: { clients: Array<{ client_id: string; client_secret: string; redirect_uris: string[] }> }): Promise<TestIdp> {
  // ESM-only package; this file also runs as CommonJS under tsx.
  const { default: Provider } = await import("oidc-provider");
  const port = await freePort();
  // localhost, not 127.0.0.1: Chromium shows the login page at this address, and the app fetches discovery from it.
  const issuer = `http://localhost:${port}`;
  const controlToken = randomBytes(24).toString("base64url");
  const signingKey = rsaJwk("test-idp-1");
  const otherIssuerKey = rsaJwk("other-issuer-1");
  const accounts = new Map<string, TestIdpAccount & { sub: string }>();
  const bySub = (sub: string) => [...accounts.values()].find((a) => a.sub === sub);

  const provider = new Provider(issuer, {
    clients: args.clients.map((c) => ({ ...c, grant_types: ["authorization_code"], response_types: ["code"] })),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    // Groups come with the profile scope, as a Keycloak "groups" mapper or an Entra groups claim puts
    // them in every ID token; Auth.js reads the profile from the ID token, so claims go there.
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "groups"] },
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // First-party clients: what they ask for is granted without a consent screen.
    async loadExistingGrant(ctx) {
      const oidc = ctx.oidc;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(oidc.client!.clientId);
      const grant = grantId
        ? await oidc.provider.Grant.find(grantId)
        : new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session!.accountId });
      if (!grant) return undefined;
      const scope = oidc.params?.scope;
      grant.addOIDCScope(typeof scope === "string" ? scope : "openid");
      await grant.save();
      return grant;
    },
    findAccount(_ctx, sub) {
      const account = bySub(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        // Read at each token: a test that changes an account's groups sees them at the next sign-in.
        claims: () => {
          const now = bySub(sub) ?? account;
          return { sub, email: now.email, email_verified: now.email_verified, name: now.name, groups: now.groups ?? [] };
        },
      };
    },
    renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = `<!doctype html><title>Test IdP error</title><h1>Error</h1><p role="alert">${escape(String(out.error))}: ${escape(String(out.error_description ?? ""))}</p>`;
    },
  });
  provider.on("server_error", (_ctx, error) => console.error("test IdP:", error));

  // Forged ID tokens for the accounts that ask for them: the token endpoint's answer is rewritten
  // after the provider made it, as a compromised or mixed-up endpoint would answer.
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path !== "/token" || ctx.method !== "POST" || !body?.id_token) return;
    const claims = JSON.parse(Buffer.from(body.id_token.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
    const account = bySub(String(claims.sub));
    if (account?.forgeIdToken === "aud") body.id_token = signJwt({ ...claims, aud: "another-client", azp: "another-client" }, signingKey);
    if (account?.forgeIdToken === "iss") body.id_token = signJwt({ ...claims, iss: "http://localhost:1/another-issuer" }, otherIssuerKey);
  });

  const providerCallback = provider.callback();
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      console.error("test IdP:", error);
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", issuer);
    const control = /^\/__test\/(accounts|clients)\/([^/]+)$/.exec(url.pathname);
    if (control) {
      if (req.headers.authorization !== `Bearer ${controlToken}` || req.method !== "PUT") return void res.writeHead(403).end();
      const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
      const id = decodeURIComponent(control[2]!);
      if (control[1] === "accounts") {
        const sub = (body.sub as string | undefined) ?? accounts.get(id)?.sub ?? randomUUID();
        accounts.set(id, { ...(body as unknown as TestIdpAccount), sub });
        return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ sub }));
      }
      // Clients the provider finds in its (in-memory) adapter, next to the ones configured at start.
      const clients = (provider.Client as unknown as { adapter: { upsert(id: string, payload: object, expiresIn?: number): Promise<void> } }).adapter;
      await clients.upsert(id, { client_id: id, grant_types: ["authorization_code"], response_types: ["code"], ...body });
      return void res.writeHead(204).end();
    }
    const interaction = /^\/interaction\/([^/]+)(\/login)?$/.exec(url.pathname);
    if (interaction) {
      const details = await provider.interactionDetails(req, res);
      const client = await provider.Client.find(String(details.params.client_id));
      const clientName = client?.clientName ?? String(details.params.client_id);
      if (!interaction[2]) return void res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(loginPage(details.uid, clientName));
      const form = new URLSearchParams(await readBody(req));
      const account = accounts.get(form.get("username") ?? "");
      if (!account || account.password !== form.get("password")) {
        return void res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(loginPage(details.uid, clientName, "Wrong username or password."));
      }
      return provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
    }
    return providerCallback(req, res);
  }

  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    issuer,
    controlToken,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
