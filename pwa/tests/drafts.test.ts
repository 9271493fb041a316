// Drafts (src/drafts.ts): kept with their photos' bytes, listed per user, gone on discard; and a
// phone upgraded from version 1 of the database keeps its unsent outbox beside the new stores.
import { openDB } from "idb";
import { describe, expect, it } from "vitest";
import type { CapturedPhoto } from "../src/camera";
import { DB_NAME, db } from "../src/db";
import { discardDraft, listDrafts, loadDraft, saveDraft } from "../src/drafts";
import * as outbox from "../src/outbox";

const photo = (id: string, bytes = 3): CapturedPhoto => ({
  id,
  blob: new Blob([new Uint8Array(bytes)], { type: "image/jpeg" }),
  contentType: "image/jpeg",
  capturedAt: "2026-12-07T08:00:00Z",
  fix: { lat: 26.58, lon: 106.71, accuracy_m: 12, captured_at: "2026-12-07T08:00:00Z" },
  sha256: null,
  originalBytes: bytes,
  resized: false,
});
const base = {
  id: "r1",
  kind: "patrol" as const,
  userId: "u1",
  route: "/patrol/new?draft=r1",
  label: "巡查 · 红军烈士陵园",
};

describe("drafts", () => {
  it("keep the form and its photos, each photo's bytes under its id, an item photo on its item", async () => {
    await saveDraft({ ...base, state: { notes: "碑体裂缝" } }, [
      { photo: photo("p1"), item: "structure" },
      { photo: photo("p2", 5) },
    ]);
    const back = await loadDraft("r1");
    expect(back?.entry.state).toEqual({ notes: "碑体裂缝" });
    expect(back?.photos.map((p) => [p.photo.id, p.item, p.photo.blob.size])).toEqual([
      ["p1", "structure", 3],
      ["p2", undefined, 5],
    ]);
    expect(back?.photos[0].photo.fix?.accuracy_m).toBe(12);
  });

  it("drop the bytes of a photo removed from the form, and everything on discard", async () => {
    await saveDraft({ ...base, state: {} }, [{ photo: photo("p1") }, { photo: photo("p2") }]);
    await saveDraft({ ...base, state: {} }, [{ photo: photo("p2") }]);
    expect(await (await db()).getAllKeys("draftBlobs")).toEqual(["p2"]);
    await discardDraft("r1");
    expect(await loadDraft("r1")).toBeNull();
    expect(await (await db()).getAllKeys("draftBlobs")).toEqual([]);
  });

  it("are listed for their own user only, most recently changed first", async () => {
    await saveDraft({ ...base, id: "a", state: {} }, []);
    await new Promise((r) => setTimeout(r, 5));
    await saveDraft({ ...base, id: "b", state: {} }, []);
    await saveDraft({ ...base, id: "c", userId: "u2", state: {} }, []);
    expect((await listDrafts("u1")).map((d) => d.id)).toEqual(["b", "a"]);
  });

  it("are never sent: a draft is not in the outbox", async () => {
    await saveDraft({ ...base, state: {} }, [{ photo: photo("p1") }]);
    expect(await outbox.list()).toEqual([]);
    expect(await outbox.next("u1")).toBeUndefined();
  });

  it("come with version 2 of the database, which keeps an older phone's unsent outbox", async () => {
    const v1 = await openDB(DB_NAME, 1, {
      upgrade(d) {
        const o = d.createObjectStore("outbox", { keyPath: "id" });
        o.createIndex("by-state", "state");
        o.createIndex("by-record", "recordId");
        d.createObjectStore("blobs");
        d.createObjectStore("cache", { keyPath: "key" });
      },
    });
    await v1.put("outbox", {
      id: "x",
      kind: "patrol",
      recordId: "x",
      recordKind: "patrol",
      userId: "u1",
      label: "巡查",
      state: "waiting",
      attempts: 0,
      nextAttemptAt: 0,
      createdAt: 1,
      updatedAt: 1,
    });
    v1.close();
    expect((await outbox.get("x"))?.state).toBe("waiting");
    await saveDraft({ ...base, state: {} }, []);
    expect((await listDrafts("u1")).length).toBe(1);
  });
});
