// An Azure Storage connection string read once, for the server's configuration (env.ts) and the
// CSP (proxy.ts), which must agree on the blob endpoint.

export interface AzureAccountKey {
  account: string;
  key: string;
  /** The blob service endpoint it names (BlobEndpoint, or built from EndpointSuffix). */
  endpoint?: string;
}

/** AccountName, AccountKey and the blob endpoint of an account-key connection string; null without a key (a SAS string cannot sign). */
export function parseConnectionString(value: string): AzureAccountKey | null {
  const parts = new Map(
    value
      .split(";")
      .filter((pair) => pair.includes("="))
      .map((pair) => [pair.slice(0, pair.indexOf("=")).trim().toLowerCase(), pair.slice(pair.indexOf("=") + 1).trim()] as const),
  );
  const account = parts.get("accountname");
  const key = parts.get("accountkey");
  if (!account || !key) return null;
  const suffix = parts.get("endpointsuffix");
  const protocol = parts.get("defaultendpointsprotocol") ?? "https";
  const endpoint = parts.get("blobendpoint") ?? (suffix ? `${protocol}://${account}.blob.${suffix}` : undefined);
  return { account, key, endpoint };
}

/** The blob service endpoint: AZURE_BLOB_ENDPOINT, else the connection string's, else the account's public one. */
export function azureBlobEndpoint(settings: { account?: string; endpoint?: string; connectionString?: string }): string {
  const parsed = settings.connectionString ? parseConnectionString(settings.connectionString) : null;
  const account = parsed?.account ?? settings.account ?? "";
  return (settings.endpoint ?? parsed?.endpoint ?? `https://${account}.blob.core.windows.net`).replace(/\/$/, "");
}
