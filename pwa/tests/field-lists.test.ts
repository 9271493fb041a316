import { describe, expect, it, vi } from "vitest";
import type { Facility, Subject } from "../src/api";
import { daysOverdue, dueFromLists, endOfTodayChina } from "../src/due";
import { formatTime, lang } from "../src/i18n";
import * as outbox from "../src/outbox";
import { sayItems } from "../src/pending-text";
import { sendItem } from "../src/sync";
import { isoWeek, remarksOutboxId } from "../src/weekly";

describe("the field screens' date formatter", () => {
  const at = new Date(2026, 11, 7, 22, 55); // the phone's own clock
  it("writes 12月7日 22:55 in Chinese and Dec 7, 22:55 in English", () => {
    lang.set("zh-CN");
    expect(formatTime(at.toISOString(), new Date(2026, 11, 8))).toBe("12月7日 22:55");
    lang.set("en");
    expect(formatTime(at.getTime(), new Date(2026, 11, 8))).toBe("Dec 7, 22:55");
    lang.set("zh-CN");
  });
  it("names the year when it is not this one, and says nothing for no date", () => {
    lang.set("zh-CN");
    expect(formatTime(at.toISOString(), new Date(2027, 0, 2))).toBe("2026年12月7日 22:55");
    lang.set("en");
    expect(formatTime(at.toISOString(), new Date(2027, 0, 2))).toBe("Dec 7, 2026, 22:55");
    lang.set("zh-CN");
    expect(formatTime(null)).toBe("");
    expect(formatTime("not a date")).toBe("");
  });
});

describe("what waits, counted by kind", () => {
  it("counts records and photos apart", () => {
    lang.set("zh-CN");
    expect(sayItems([{ kind: "photo" }, { kind: "patrol" }, { kind: "photo" }])).toBe("1 条巡查 · 2 张照片");
    lang.set("en");
    expect(sayItems([{ kind: "photo" }, { kind: "patrol" }, { kind: "photo" }])).toBe("1 patrol · 2 photos");
    expect(sayItems([{ kind: "weekly" }, { kind: "visit" }, { kind: "visit" }])).toBe("2 visits · 1 weekly report");
    lang.set("zh-CN");
  });
});

describe("today's due list worked out on the phone", () => {
  const now = new Date("2026-12-07T10:00:00Z"); // 18:00 in China
  const facility = (id: string, due: string, lat: number): Facility => ({
    id,
    name: id,
    kind: "cemetery",
    protection_level: "county",
    address: "",
    location: { lat, lon: 106.71 },
    geofence_m: 200,
    org_unit_id: "u",
    patrol_interval_days: 30,
    last_patrol_at: null,
    next_due_at: due,
    overdue: false,
    caretaker: "",
  });
  const subject = (id: string, due: string, lat: number | null): Subject => ({
    id,
    name: id,
    category: "martyr_family",
    address: "",
    location: lat === null ? null : { lat, lon: 106.71 },
    org_unit_id: "u",
    phone_masked: "",
    id_number_masked: "",
    contact_user_id: null,
    last_visit_at: null,
    next_due_at: due,
    overdue: false,
  });

  it("counts today as China's day", () => {
    expect(endOfTodayChina(now).toISOString()).toBe("2026-12-07T16:00:00.000Z");
    expect(endOfTodayChina(new Date("2026-12-07T17:00:00Z")).toISOString()).toBe("2026-12-08T16:00:00.000Z");
  });

  it("keeps what falls due by the end of today, nearest first, places without a position last", () => {
    const fs = [facility("far", "2026-11-01T00:00:00Z", 26.6), facility("tomorrow", "2026-12-08T01:00:00Z", 26.58)];
    const ss = [subject("near", "2026-12-07T15:00:00Z", 26.581), subject("nowhere", "2026-01-01T00:00:00Z", null)];
    const out = dueFromLists(fs, ss, { lat: 26.58, lon: 106.71 }, now);
    expect(out.items.map((i) => i.id)).toEqual(["near", "far", "nowhere"]);
    expect(out.items[0].distance_m).toBe(111);
    expect(out.items[0].overdue).toBe(false); // due later today
    expect(out.items[2].distance_m).toBeNull();
  });

  it("without a position, the longest overdue first", () => {
    const fs = [facility("a", "2026-12-01T00:00:00Z", 26.58)];
    const ss = [subject("b", "2026-06-01T00:00:00Z", 26.9)];
    expect(dueFromLists(fs, ss, null, now).items.map((i) => i.id)).toEqual(["b", "a"]);
    expect(daysOverdue({ next_due_at: "2026-12-01T00:00:00Z" }, now.getTime())).toBe(6);
  });
});

describe("a station head's weekly remarks in the outbox", () => {
  it("are one item per station and week, sent as the PUT of the report", async () => {
    const body = { org_unit_id: "s1", week: "2026-W49", remarks: "台账已补齐", submit: false };
    const id = remarksOutboxId("s1", "2026-W49");
    await outbox.enqueue({ kind: "weekly", id, userId: "u1", body, label: "周报" });
    await outbox.enqueue({ kind: "weekly", id, userId: "u1", body: { ...body, submit: true }, label: "周报" });
    const items = await outbox.list("u1");
    expect(items.map((i) => [i.id, (i.body as { submit: boolean }).submit])).toEqual([[id, true]]);
    const fetch = vi.fn(async () => new Response("{}", { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    await sendItem(items[0], undefined);
    vi.unstubAllGlobals();
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/v1/reports/weekly/s1/2026-W49");
    expect(init.method).toBe("PUT");
    expect(JSON.parse(String(init.body))).toEqual({ remarks: "台账已补齐", submit: true });
  });

  it("name weeks as ISO weeks in China time", () => {
    expect(isoWeek(new Date("2026-12-06T15:59:00Z"))).toBe("2026-W49"); // Sunday 23:59 in China
    expect(isoWeek(new Date("2026-12-06T16:00:00Z"))).toBe("2026-W50"); // Monday 00:00 in China
  });
});
