// The audit log as the desk says it: an export's period names the days it holds, the last one
// included (the server stores the period's end as the midnight after it).
import { beforeAll, expect, it, vi } from "vitest";
import type { AuditRow } from "../src/supervisor/audit";

let details: (r: AuditRow) => string[];
beforeAll(async () => {
  process.env.TZ = "Asia/Shanghai";
  vi.stubGlobal("location", { hash: "", href: "http://localhost/", origin: "http://localhost" });
  vi.stubGlobal("window", { addEventListener: () => undefined });
  ({ details } = await import("../src/supervisor/audit"));
});

it("says an export's period from its first day to its last, not to the midnight after it", () => {
  const row: AuditRow = {
    id: 1,
    at: "2026-12-08T00:05:00Z",
    actor_id: null,
    actor_username: "super1",
    ip: "127.0.0.1",
    action: "export",
    entity: "patrols",
    entity_id: "",
    org_unit_id: null,
    // 2026-11-30 00:00 to 2026-12-08 00:00 in China: the week of 11-30 to 12-07
    detail: { format: "csv", period_from: "2026-11-29T16:00:00+00:00", period_to: "2026-12-07T16:00:00+00:00" },
    actor_name: "赵建国",
    entity_name: "",
  };
  expect(details(row)).toContain("期间 2026/11/30 至 2026/12/07");
});
