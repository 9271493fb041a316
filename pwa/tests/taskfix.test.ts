import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, token } from "../src/api";
import { DB_VERSION, db } from "../src/db";
import * as outbox from "../src/outbox";
import type { OutboxItem } from "../src/outbox";
import { drain, sendItem, type SyncDeps } from "../src/sync";

const USER = "u1";
const TASK = "task-1";

const photo = (id: string, fixId = "f1") => ({
  id,
  recordId: fixId,
  recordKind: "taskfix" as const,
  userId: USER,
  blob: new Blob([id]),
  contentType: "image/jpeg",
  query: { record_id: TASK, captured_at: "2025-05-01T02:00:00Z" },
  label: `整改 · 照片 ${id}`,
});

async function seedFix(fixId = "f1", photoIds = ["p1", "p2"], taskId = TASK) {
  await outbox.enqueue(
    {
      kind: "taskfix",
      id: fixId,
      taskId,
      userId: USER,
      body: { photo_ids: photoIds, note: "已修补" },
      label: "整改 · 红军烈士陵园",
    },
    photoIds.map((p) => photo(p, fixId)),
  );
}

/** Stores what arrives; a fix is checked against the photos the server already has. */
function fakeServer() {
  const order: string[] = [];
  const photos = new Set<string>();
  const script: Array<(item: OutboxItem) => void> = [];
  const send = vi.fn(async (item: OutboxItem) => {
    script.shift()?.(item);
    if (item.kind === "taskfix") {
      const ids = (item.body as { photo_ids: string[] }).photo_ids;
      if (!ids.every((i) => photos.has(i))) throw new Error("fix sent before its photos");
    } else photos.add(item.id);
    order.push(item.id);
  });
  const deps: SyncDeps = { userId: () => USER, send, onAuthNeeded: vi.fn(), random: () => 0.5 };
  return { order, script, send, deps };
}

afterEach(() => vi.unstubAllGlobals());

describe("task fix in the outbox", () => {
  it("keeps the fix and its photo blobs under the ids made at start, with the task it fixes", async () => {
    await seedFix();
    const fix = await outbox.get("f1");
    expect(fix).toMatchObject({
      kind: "taskfix",
      taskId: TASK,
      recordId: "f1",
      recordKind: "taskfix",
      state: "waiting",
      body: { photo_ids: ["p1", "p2"], note: "已修补" },
    });
    expect(await outbox.get("p1")).toMatchObject({
      kind: "photo",
      recordId: "f1",
      recordKind: "taskfix",
      query: { record_id: TASK },
    });
    expect(await (await outbox.getBlob("p2"))?.text()).toBe("p2");
    expect(await outbox.pendingCount(USER)).toBe(3);
    expect((await outbox.fixesByTask(USER)).get(TASK)?.id).toBe("f1");
  });

  it("hands out the photos first and holds the fix until every photo is sent", async () => {
    await seedFix();
    expect((await outbox.next(USER))?.id).toBe("p1");
    await outbox.markSent("p1");
    expect((await outbox.next(USER))?.id).toBe("p2");
    await outbox.markFailed("p2", "network", 60_000);
    expect(await outbox.next(USER, Date.now() + 120_000)).toMatchObject({ id: "p2" });
    expect(await outbox.next(USER)).toBeUndefined(); // the fix waits for p2
    expect(await outbox.nextDueAt(USER)).toBeGreaterThan(Date.now() + 50_000); // p2's time, not the held fix's 0
    await outbox.markSent("p2");
    expect((await outbox.next(USER))?.id).toBe("f1");
  });

  it("a fix without photos (a visit follow-up with a note) is due at once", async () => {
    await seedFix("f2", []);
    expect((await outbox.next(USER))?.id).toBe("f2");
  });

  it("discarding a fix takes its unsent photos with it", async () => {
    await seedFix();
    await outbox.markSent("p1");
    await outbox.discard("f1");
    expect((await outbox.list(USER)).map((i) => i.id)).toEqual(["p1"]);
    expect(await outbox.getBlob("p2")).toBeUndefined();
    expect((await outbox.fixesByTask(USER)).has(TASK)).toBe(false);
  });

  it("discarding a failed photo takes it out of the fix, which then may go", async () => {
    await seedFix();
    await outbox.markSent("p1");
    await outbox.markFailed("p2", "这不是可接受的图片");
    expect(await outbox.next(USER)).toBeUndefined();
    await outbox.discard("p2");
    expect((await outbox.get("f1"))?.body).toEqual({ photo_ids: ["p1"], note: "已修补" });
    expect((await outbox.next(USER))?.id).toBe("f1");
  });

  it("needs no schema change of its own: the outbox stores are those of version 1 (version 2 added the drafts)", async () => {
    const d = await db();
    expect(DB_VERSION).toBe(2);
    expect([...d.objectStoreNames].sort()).toEqual(["blobs", "cache", "draftBlobs", "drafts", "outbox"]);
  });
});

describe("task fix sync", () => {
  it("sends the photos, then the fix, each once", async () => {
    await seedFix();
    const s = fakeServer();
    expect(await drain(s.deps)).toBe(3);
    expect(s.order).toEqual(["p1", "p2", "f1"]);
    expect(await outbox.get("f1")).toMatchObject({ state: "sent" });
    expect(await outbox.pendingCount(USER)).toBe(0);
  });

  it("a photo that did not go holds the fix back; both go later, still in order", async () => {
    await seedFix();
    const s = fakeServer();
    s.script.push(() => {
      throw new ApiError(503, "store unavailable");
    });
    await drain(s.deps);
    expect(s.order).toEqual(["p2"]);
    expect(await outbox.get("f1")).toMatchObject({ state: "waiting", attempts: 0 });
    await outbox.retry("p1");
    await drain(s.deps);
    expect(s.order).toEqual(["p2", "p1", "f1"]);
  });

  it("a permanently failed photo keeps the fix waiting, never sent without it", async () => {
    await seedFix();
    const s = fakeServer();
    s.script.push(() => {
      throw new ApiError(415, "not an accepted image");
    });
    await drain(s.deps);
    expect(await outbox.get("p1")).toMatchObject({ state: "failed", lastError: "415::" });
    expect(await outbox.get("f1")).toMatchObject({ state: "waiting" });
    expect(s.send.mock.calls.map(([i]) => i.id)).toEqual(["p1", "p2"]);
  });

  it("a lost answer to the fix is sent again with the same body", async () => {
    await seedFix();
    const s = fakeServer();
    s.script.push(
      () => undefined,
      () => undefined,
      () => {
        throw new ApiError(0, "connection reset");
      },
    );
    await drain(s.deps);
    expect(await outbox.get("f1")).toMatchObject({ state: "waiting", attempts: 1, lastError: "network" });
    await outbox.retry("f1");
    await drain(s.deps);
    const fixes = s.send.mock.calls.filter(([i]) => i.id === "f1").map(([i]) => i.body);
    expect(fixes).toEqual([
      { photo_ids: ["p1", "p2"], note: "已修补" },
      { photo_ids: ["p1", "p2"], note: "已修补" },
    ]);
    expect(await outbox.get("f1")).toMatchObject({ state: "sent" });
  });

  it("a 409 (the task was accepted or cancelled meanwhile) fails for good", async () => {
    await seedFix("f3", []);
    const s = fakeServer();
    s.script.push(() => {
      throw new ApiError(409, "this task is cancelled; only an open task can be fixed");
    });
    await drain(s.deps);
    expect(await outbox.get("f3")).toMatchObject({ state: "failed", lastError: "409::" });
  });

  it("a 5xx on the fix waits and is tried again", async () => {
    await seedFix("f3", []);
    const s = fakeServer();
    s.script.push(() => {
      throw new ApiError(502, "bad gateway");
    });
    await drain(s.deps);
    const item = await outbox.get("f3");
    expect(item).toMatchObject({ state: "waiting", attempts: 1 });
    expect(item!.nextAttemptAt).toBeGreaterThan(Date.now());
  });

  it("the fix is POSTed to its task with its JSON body", async () => {
    await seedFix("f4", ["p9"], "9a1c7a52-0000-4000-8000-000000000001");
    const fetch = vi.fn(async () => new Response(JSON.stringify({ status: "fixed" }), { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    token.set("tok");
    await sendItem((await outbox.get("f4"))!, undefined);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/v1/tasks/9a1c7a52-0000-4000-8000-000000000001/fix");
    expect(init.method).toBe("POST");
    expect(JSON.parse(init.body as string)).toEqual({ photo_ids: ["p9"], note: "已修补" });
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer tok");
  });
});
