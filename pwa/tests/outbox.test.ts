import { describe, expect, it } from "vitest";
import { db } from "../src/db";
import * as outbox from "../src/outbox";

const USER = "u1";
const record = (id = "r1") => ({ kind: "patrol" as const, id, userId: USER, body: { notes: "x" }, label: "巡查" });
const photo = (id: string, recordId = "r1") => ({
  id,
  recordId,
  recordKind: "patrol" as const,
  userId: USER,
  blob: new Blob([new Uint8Array([0xff, 0xd8, 1, 2])], { type: "image/jpeg" }),
  contentType: "image/jpeg",
  query: { record_id: recordId },
  label: "照片",
});

describe("outbox", () => {
  it("keeps a record and its photo blobs under the ids made at start", async () => {
    await outbox.enqueue(record(), [photo("p1"), photo("p2")]);
    const items = await outbox.list(USER);
    expect(items.map((i) => i.id).sort()).toEqual(["p1", "p2", "r1"]);
    expect(items.every((i) => i.state === "waiting")).toBe(true);
    expect((await outbox.getBlob("p1"))?.size).toBe(4);
    expect(await outbox.pendingCount(USER)).toBe(3);
  });

  it("gives the oldest due item first: the record, then its photos", async () => {
    await outbox.enqueue(record(), [photo("p1"), photo("p2")]);
    expect((await outbox.next(USER))?.id).toBe("r1");
    await outbox.markSent("r1");
    expect((await outbox.next(USER))?.id).toBe("p1");
  });

  it("never hands out another user's work", async () => {
    await outbox.enqueue(record(), []);
    expect(await outbox.next("someone-else")).toBeUndefined();
  });

  it("drops the photo bytes once the server has them, and stops counting the item", async () => {
    await outbox.enqueue(record(), [photo("p1")]);
    await outbox.markSent("p1");
    expect(await outbox.getBlob("p1")).toBeUndefined();
    expect((await outbox.get("p1"))?.state).toBe("sent");
    expect(await outbox.pendingCount(USER)).toBe(1);
  });

  it("holds a retryable failure until its time has come", async () => {
    await outbox.enqueue(record(), []);
    await outbox.markFailed("r1", "network down", 60_000);
    const item = await outbox.get("r1");
    expect(item).toMatchObject({ state: "waiting", attempts: 1, lastError: "network down" });
    expect(await outbox.next(USER)).toBeUndefined();
    expect((await outbox.next(USER, Date.now() + 61_000))?.id).toBe("r1");
    expect(await outbox.nextDueAt(USER)).toBeGreaterThan(Date.now());
  });

  it("keeps a permanent failure and its bytes until a person retries or discards it", async () => {
    await outbox.enqueue(record(), [photo("p1")]);
    await outbox.markFailed("p1", "not an image");
    expect(await outbox.get("p1")).toMatchObject({ state: "failed", lastError: "not an image" });
    expect(await outbox.getBlob("p1")).toBeDefined();
    expect(await outbox.pendingCount(USER)).toBe(2);
    await outbox.retry("p1");
    expect(await outbox.get("p1")).toMatchObject({ state: "waiting", attempts: 0, nextAttemptAt: 0 });
  });

  it("discarding a record takes its unsent photos with it", async () => {
    await outbox.enqueue(record(), [photo("p1"), photo("p2")]);
    await outbox.markSent("p1");
    await outbox.discard("r1");
    expect((await outbox.list(USER)).map((i) => i.id)).toEqual(["p1"]);
    expect(await outbox.getBlob("p2")).toBeUndefined();
  });

  it("puts items left sending by a closed tab back to waiting", async () => {
    await outbox.enqueue(record(), []);
    await outbox.markSending("r1");
    expect(await outbox.next(USER)).toBeUndefined();
    await outbox.resetStale();
    expect((await outbox.next(USER))?.id).toBe("r1");
  });

  it("saving a corrected record again replaces it under the same id", async () => {
    await outbox.enqueue(record(), []);
    await outbox.markSent("r1");
    await outbox.enqueue({ ...record(), body: { notes: "fixed" } }, [photo("p3")]);
    const items = await outbox.list(USER);
    expect(items.filter((i) => i.id === "r1")).toHaveLength(1);
    expect(await outbox.get("r1")).toMatchObject({ state: "waiting", body: { notes: "fixed" } });
  });

  it("all of a save is kept or none: a failing photo write keeps nothing", async () => {
    const bad = { ...photo("p1"), blob: undefined as unknown as Blob, id: undefined as unknown as string };
    await expect(outbox.enqueue(record(), [bad])).rejects.toBeTruthy();
    expect(await outbox.list(USER)).toEqual([]);
  });

  it("the schema has the stores the outbox needs (and, since version 2, the drafts')", async () => {
    const d = await db();
    expect([...d.objectStoreNames].sort()).toEqual(["blobs", "cache", "draftBlobs", "drafts", "outbox"]);
  });
});
