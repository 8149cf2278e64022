import "server-only";

import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

import { AppError } from "@/lib/errors";

// Which addresses a webhook may be sent to. Valet posts to URLs an administrator types in, from
// inside the network it runs in: without this an endpoint could reach the database, the storage
// admin port or a cloud metadata service (SSRF). The rule is an allow-list: only globally routed
// unicast addresses, checked at registration and again, after a fresh DNS lookup, before every
// delivery, which then connects to exactly the address checked (DNS rebinding cannot swap it).

/** Ranges ipaddr.js calls "unicast" that are still not the public internet (or are a cloud's own). */
const EXTRA_REFUSED: Array<[string, string]> = [
  ["::/96", "an IPv4-compatible IPv6 address"],
  ["64:ff9b:1::/48", "a local-use NAT64 address"],
  ["168.63.129.16/32", "Azure's host service address"],
  ["100::/64", "a discard-only address"],
];
const EXTRA = EXTRA_REFUSED.map(([cidr, why]) => [ipaddr.parseCIDR(cidr), why] as const);

const RANGE_NAMES: Record<string, string> = {
  unspecified: "an unspecified address",
  broadcast: "the broadcast address",
  multicast: "a multicast address",
  linkLocal: "a link-local address (this is where cloud metadata services live)",
  loopback: "a loopback address",
  carrierGradeNat: "a carrier-grade NAT address",
  private: "a private network address",
  uniqueLocal: "a unique local (private) IPv6 address",
  reserved: "a reserved address",
};

/**
 * Why `address` may not receive webhooks, or null when it is a public unicast address. IPv4-mapped
 * IPv6 forms (::ffff:10.0.0.1) are judged as the IPv4 address they carry.
 */
export function addressRefusal(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address.replace(/^\[|\]$/g, ""));
  } catch {
    return "not an IP address";
  }
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  if (range !== "unicast") return RANGE_NAMES[range] ?? `a special-purpose address (${range})`;
  for (const [[cidr, bits], why] of EXTRA) {
    if (cidr.kind() === parsed.kind() && parsed.match(cidr, bits)) return why;
  }
  return null;
}

export interface WebhookTarget {
  url: URL;
  /** The address checked, to connect to. */
  address: string;
  family: 4 | 6;
}

type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;
const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

const refused = (message: string) => new AppError("url_not_allowed", message);

/**
 * Parses a webhook URL and resolves its host, refusing what Valet will not post to: anything but
 * https (http too with `allowPrivate`, for receivers on a private network), credentials in the URL,
 * and a host with any address that is not public unless `allowPrivate`. Every address is checked,
 * not just the first, so a name cannot hide a private address behind a public one.
 */
export async function resolveWebhookTarget(raw: string, options: { allowPrivate: boolean; resolve?: Resolver }): Promise<WebhookTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused("This is not a URL. Give the full address, such as https://example.com/hooks/valet.");
  }
  const allowed = options.allowPrivate ? ["https:", "http:"] : ["https:"];
  if (!allowed.includes(url.protocol)) {
    throw refused(
      options.allowPrivate
        ? "Webhook URLs must start with https:// or http://."
        : "Webhook URLs must use https://. (Plain http is allowed only when the server sets WEBHOOK_ALLOW_PRIVATE=true.)",
    );
  }
  if (url.username || url.password) throw refused("Webhook URLs may not carry a user name or password: every delivery is signed instead.");
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = ipaddr.isValid(hostname)
      ? [{ address: hostname, family: hostname.includes(":") ? 6 : 4 }]
      : await (options.resolve ?? systemResolver)(hostname);
  } catch (error) {
    throw refused(`The host ${hostname} could not be resolved (${(error as { code?: string }).code ?? "DNS error"}). Check the spelling.`);
  }
  const first = addresses[0];
  if (!first) throw refused(`The host ${hostname} has no address.`);
  if (!options.allowPrivate) {
    for (const { address } of addresses) {
      const why = addressRefusal(address);
      if (why) {
        throw refused(
          // The address itself is not repeated: the answer would map internal DNS for whoever asks.
          `${hostname} resolves to ${addressIsLiteral(hostname) ? why : "an address that is not public"}. Webhooks go only to public internet addresses (set WEBHOOK_ALLOW_PRIVATE=true to allow private ones).`,
        );
      }
    }
  }
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** The host is an IP address written out (nothing is learnt by naming what it is). */
function addressIsLiteral(hostname: string): boolean {
  return ipaddr.isValid(hostname.replace(/^\[|\]$/g, ""));
}
