// Drafts: the forms a worker is filling, kept in IndexedDB on every change so a reload, a tab the
// browser killed while the camera was open, or a restart loses nothing. A draft is never sent: it
// becomes an outbox item only when the form is saved, and it goes on save or an explicit discard.
// A draft's photos are the processed blobs, stored once each under the photo id (`draftBlobs`), so
// a save after a keystroke writes only the small JSON of the form.
import type { CapturedPhoto } from "./camera";
import { db, type DraftEntry, type DraftPhotoMeta, type OwnerKind } from "./db";
import { value } from "./store";

export type { DraftEntry };

/** Bumped on every change, here and in other tabs: home's 继续填写 list re-reads. */
export const draftsVersion = value(0);
const channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel("xunfang-drafts") : null;
channel?.addEventListener("message", () => draftsVersion.set(draftsVersion.get() + 1));
function changed(): void {
  draftsVersion.set(draftsVersion.get() + 1);
  channel?.postMessage("changed");
}

export interface DraftIn {
  id: string;
  kind: OwnerKind;
  userId: string;
  route: string;
  label: string;
  state: unknown;
}
export interface DraftPhotoIn {
  photo: CapturedPhoto;
  item?: string;
}
export interface LoadedDraft {
  entry: DraftEntry;
  photos: DraftPhotoIn[];
}

function meta({ photo: p, item }: DraftPhotoIn): DraftPhotoMeta {
  return {
    id: p.id,
    ...(item ? { item } : {}),
    contentType: p.contentType,
    capturedAt: p.capturedAt,
    fix: p.fix,
    sha256: p.sha256,
    originalBytes: p.originalBytes,
    resized: p.resized,
  };
}

/**
 * Writes the draft in one transaction: its fields, the bytes of photos not stored yet, and the
 * removal of the bytes of photos it no longer holds.
 */
export async function saveDraft(d: DraftIn, photos: DraftPhotoIn[]): Promise<void> {
  const started = performance.now();
  const tx = (await db()).transaction(["drafts", "draftBlobs"], "readwrite");
  const drafts = tx.objectStore("drafts");
  const blobs = tx.objectStore("draftBlobs");
  const before = await drafts.get(d.id);
  const now = Date.now();
  const keep = new Set(photos.map((p) => p.photo.id));
  const had = new Set((before?.photos ?? []).map((p) => p.id));
  // Bytes are written once: a photo the draft already held has them (they go only with the draft
  // entry, in the same transaction), so a keystroke writes the form's JSON and nothing else.
  for (const p of photos) if (!had.has(p.photo.id)) await blobs.put(p.photo.blob, p.photo.id);
  for (const old of had) if (!keep.has(old)) await blobs.delete(old);
  await drafts.put({ ...d, photos: photos.map(meta), createdAt: before?.createdAt ?? now, updatedAt: now });
  await tx.done;
  // For scripts/bench/draft_bench.py (a PerformanceObserver): how long the save took, call to commit.
  // Not kept in the timeline: a long form would pile them up.
  if (typeof performance.measure === "function") {
    performance.measure("xunfang-draft-save", { start: started, detail: { photos: photos.length } });
    performance.clearMeasures("xunfang-draft-save");
  }
  if (!before) changed(); // a new draft shows on home; a keystroke in one does not need to
}

/** The draft with its photos' bytes, or null. */
export async function loadDraft(id: string): Promise<LoadedDraft | null> {
  const tx = (await db()).transaction(["drafts", "draftBlobs"], "readonly");
  const entry = await tx.objectStore("drafts").get(id);
  if (!entry) return null;
  const photos: DraftPhotoIn[] = [];
  for (const m of entry.photos) {
    const blob = await tx.objectStore("draftBlobs").get(m.id);
    if (!blob) continue; // its bytes are gone: the photo is left out rather than sent empty
    const { item, ...rest } = m;
    photos.push({ photo: { ...rest, blob }, ...(item ? { item } : {}) });
  }
  await tx.done;
  return { entry, photos };
}

/** This user's drafts, most recently changed first (what home's 继续填写 lists). */
export async function listDrafts(userId: string): Promise<DraftEntry[]> {
  const all = await (await db()).getAllFromIndex("drafts", "by-user", userId);
  return all.sort((a, b) => b.updatedAt - a.updatedAt);
}

/** Removes the draft and its photos' bytes (on save, or when the worker discards it). */
export async function discardDraft(id: string): Promise<void> {
  const tx = (await db()).transaction(["drafts", "draftBlobs"], "readwrite");
  const entry = await tx.objectStore("drafts").get(id);
  if (entry) {
    for (const p of entry.photos) {
      await tx.objectStore("draftBlobs").delete(p.id);
    }
    await tx.objectStore("drafts").delete(id);
  }
  await tx.done;
  if (entry) changed();
}
