import { describe, expect, it } from "vitest";

import { countUploadKeys, metrics, metricsAccess } from "./metrics";

const TOKEN = "m".repeat(32);

describe("metricsAccess", () => {
  it("is off (404) while METRICS_TOKEN is unset, whatever is sent", () => {
    expect(metricsAccess(undefined, `Bearer ${TOKEN}`)).toBe("disabled");
    expect(metricsAccess("", null)).toBe("disabled");
  });

  it("lets in exactly the configured bearer token", () => {
    expect(metricsAccess(TOKEN, `Bearer ${TOKEN}`)).toBe("allowed");
    expect(metricsAccess(TOKEN, `bearer ${TOKEN}`)).toBe("allowed");
  });

  it("refuses no token, another scheme, a wrong, shorter, longer or differently cased token", () => {
    for (const header of [
      null,
      "",
      TOKEN,
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN.slice(1)}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.toUpperCase()}`,
      `Bearer ${TOKEN} extra`,
      "Bearer ",
    ]) {
      expect(metricsAccess(TOKEN, header), String(header)).toBe("denied");
    }
  });
});

describe("the registry", () => {
  it("counts a sign call's URLs per operation and renders Prometheus text with Node's default metrics", async () => {
    const value = async (operation: string) => (await metrics().keysIssued.get()).values.find((v) => v.labels.operation === operation)?.value ?? Number.NaN;
    const before = { part: await value("upload_part"), create: await value("create_multipart") };
    countUploadKeys([{ op: "uploadPart" }, { op: "uploadPart" }, { op: "uploadPart" }, { op: "createMultipartUpload" }]);
    expect(await value("upload_part")).toBe(before.part + 3);
    expect(await value("create_multipart")).toBe(before.create + 1);
    expect(metrics()).toBe(metrics());
    const text = await metrics().registry.getSingleMetricAsString("valet_keys_issued_total");
    expect(text).toContain('valet_keys_issued_total{operation="upload_part"}');
    expect(text).toContain('valet_keys_issued_total{operation="share_download"} 0');
    expect(await metrics().registry.getSingleMetricAsString("process_cpu_user_seconds_total")).toContain("# TYPE process_cpu_user_seconds_total counter");
  });
});
