// What a personal API token may do, chosen when it is created. Browser-safe: the settings page
// lists them. A session (the signed-in browser) has every scope its role allows.

export const TOKEN_SCOPES = ["files:read", "files:write", "shares:write", "admin"] as const;
export type Scope = (typeof TOKEN_SCOPES)[number];

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  "files:read": "List, read and download your files and see their share links",
  "files:write": "Upload files, and cancel or delete them",
  "shares:write": "Create and revoke share links",
  admin: "Use the admin API (administrators only)",
};

/** What a token gets when none are named, and what tokens made before scopes existed have. */
export const DEFAULT_TOKEN_SCOPES: Scope[] = ["files:read", "files:write", "shares:write"];

export function isScope(value: unknown): value is Scope {
  return typeof value === "string" && (TOKEN_SCOPES as readonly string[]).includes(value);
}
