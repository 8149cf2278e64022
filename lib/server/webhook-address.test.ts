import { describe, expect, it } from "vitest";

import { AppError } from "@/lib/errors";

import { addressRefusal, resolveWebhookTarget } from "./webhook-address";

describe("addressRefusal", () => {
  it.each(["8.8.8.8", "1.1.1.1", "93.184.216.34", "172.15.255.255", "172.32.0.0", "100.63.255.255", "100.128.0.0", "2606:4700:4700::1111", "::ffff:8.8.8.8"])(
    "lets %s (public unicast) through",
    (address) => expect(addressRefusal(address)).toBeNull(),
  );

  it.each([
    ["127.0.0.1", /loopback/],
    ["127.255.255.254", /loopback/],
    ["10.0.0.1", /private/],
    ["172.16.0.1", /private/],
    ["172.31.255.255", /private/],
    ["192.168.1.1", /private/],
    ["169.254.169.254", /link-local.*metadata/],
    ["100.64.0.1", /carrier-grade NAT/],
    ["100.100.100.200", /carrier-grade NAT/],
    ["0.0.0.0", /unspecified/],
    ["255.255.255.255", /broadcast/],
    ["224.0.0.1", /multicast/],
    ["192.0.2.1", /reserved|special/],
    ["168.63.129.16", /Azure/],
    ["::1", /loopback/],
    ["::", /unspecified/],
    ["fe80::1", /link-local/],
    ["fc00::1", /unique local/],
    ["fd00:ec2::254", /unique local/],
    ["ff02::1", /multicast/],
    ["2001:db8::1", /reserved|special/],
  ])("refuses %s", (address, why) => expect(addressRefusal(address)).toMatch(why));

  it.each([
    ["::ffff:127.0.0.1", /loopback/],
    ["::ffff:7f00:1", /loopback/],
    ["::ffff:10.0.0.1", /private/],
    ["::ffff:169.254.169.254", /link-local/],
    ["[::ffff:192.168.0.1]", /private/],
  ])("judges the IPv4-mapped %s as the IPv4 address it carries", (address, why) => expect(addressRefusal(address)).toMatch(why));

  it.each(["::127.0.0.1", "64:ff9b::a00:1", "64:ff9b:1::1", "2002:a00:1::", "2001::1", "100::1"])(
    "refuses %s, which embeds or tunnels to another address",
    (address) => expect(addressRefusal(address)).not.toBeNull(),
  );

  it("refuses what is not an address", () => {
    expect(addressRefusal("example.com")).toBe("not an IP address");
    expect(addressRefusal("")).toBe("not an IP address");
  });
});

const resolver = (map: Record<string, string[]>) => async (host: string) => {
  const addresses = map[host];
  if (!addresses) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
  return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};

async function refusal(url: string, options: Parameters<typeof resolveWebhookTarget>[1]): Promise<AppError> {
  const error = await resolveWebhookTarget(url, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("url_not_allowed");
  expect((error as AppError).status).toBe(400);
  return error as AppError;
}

describe("resolveWebhookTarget", () => {
  const strict = {
    allowPrivate: false,
    resolve: resolver({
      "hooks.example.com": ["93.184.216.34", "2606:2800:220:1::1"],
      "sneaky.example.com": ["93.184.216.34", "10.1.2.3"],
      "rebind.example.com": ["127.0.0.1"],
    }),
  };

  it("resolves a public https host and pins its first address", async () => {
    const target = await resolveWebhookTarget("https://hooks.example.com/valet?x=1", strict);
    expect(target).toMatchObject({ address: "93.184.216.34", family: 4 });
    expect(target.url.href).toBe("https://hooks.example.com/valet?x=1");
  });

  it("refuses a host with any private address, not just when the first is", async () => {
    // Not which address: that would map internal DNS for whoever registers names.
    const sneaky = (await refusal("https://sneaky.example.com/", strict)).message;
    expect(sneaky).toMatch(/resolves to an address that is not public/);
    expect(sneaky).not.toContain("10.1.2.3");
    expect((await refusal("https://rebind.example.com/", strict)).message).toMatch(/WEBHOOK_ALLOW_PRIVATE=true/);
  });

  it("refuses literal private addresses in every spelling the URL parser accepts", async () => {
    for (const url of [
      "https://127.0.0.1/",
      "https://2130706433/",
      "https://0x7f.1/",
      "https://[::1]/",
      "https://[::ffff:127.0.0.1]/",
      "https://169.254.169.254/latest/meta-data/",
    ]) {
      await refusal(url, strict);
    }
  });

  it("refuses plain http, credentials, other schemes and non-URLs", async () => {
    expect((await refusal("http://hooks.example.com/", strict)).message).toMatch(/must use https:\/\/.*WEBHOOK_ALLOW_PRIVATE=true/);
    expect((await refusal("https://user:pw@hooks.example.com/", strict)).message).toMatch(/user name or password/);
    await refusal("ftp://hooks.example.com/", strict);
    await refusal("file:///etc/passwd", { allowPrivate: true });
    expect((await refusal("hooks.example.com", strict)).message).toMatch(/not a URL/);
    expect((await refusal("https://nowhere.example.com/", strict)).message).toMatch(/could not be resolved \(ENOTFOUND\)/);
  });

  it("with allowPrivate, takes http and private addresses (receivers on the same network)", async () => {
    const target = await resolveWebhookTarget("http://127.0.0.1:8080/hook", { allowPrivate: true });
    expect(target).toMatchObject({ address: "127.0.0.1", family: 4 });
    expect((await resolveWebhookTarget("http://[::1]:8080/", { allowPrivate: true })).family).toBe(6);
  });
});
