// Photos as evidence: a position fix is started BEFORE the camera opens (on the tap that opens
// it), the untouched bytes are hashed, large photos are resized in a worker (long side 2048 px,
// JPEG) and get the original EXIF back with Orientation reset; small ones go unchanged.
import type { Fix } from "./api";
import { carryExif, jpegSize } from "./exif";
import { uuid } from "./util";

export const MAX_SIDE = 2048;
export const QUALITY = 0.85;

export interface CapturedPhoto {
  id: string;
  blob: Blob;
  contentType: string;
  capturedAt: string; // device time when the photo arrived from the camera
  fix: Fix | null;
  sha256: string | null; // of the untouched original bytes
  originalBytes: number;
  resized: boolean;
}

/**
 * Starts a one-off position fix; resolves null without permission, signal or in time. `maxAgeMs`:
 * how old a fix the phone may hand back (0 when the worker asks for a new one).
 */
export function startFix(timeoutMs = 20_000, maxAgeMs = 15_000): Promise<Fix | null> {
  return new Promise((resolve) => {
    if (!("geolocation" in navigator)) return resolve(null);
    const timer = setTimeout(() => resolve(null), timeoutMs + 1000);
    navigator.geolocation.getCurrentPosition(
      (p) => {
        clearTimeout(timer);
        resolve({
          lat: p.coords.latitude,
          lon: p.coords.longitude,
          accuracy_m: Math.round(p.coords.accuracy * 10) / 10,
          captured_at: new Date(p.timestamp || Date.now()).toISOString(),
        });
      },
      () => {
        clearTimeout(timer);
        resolve(null);
      },
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: maxAgeMs },
    );
  });
}

export async function sha256Hex(bytes: Uint8Array): Promise<string | null> {
  if (!crypto.subtle) return null; // not a secure context
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function kindOf(bytes: Uint8Array, fallback: string): string {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return "image/jpeg";
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return "image/png";
  if (bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return "image/webp";
  const brand = String.fromCharCode(...bytes.subarray(4, 12));
  if (brand.startsWith("ftyphei") || brand.startsWith("ftypmif1") || brand.startsWith("ftyphe")) return "image/heic";
  return fallback || "image/jpeg";
}

let worker: Worker | null = null;
function resizer(): Worker | null {
  if (typeof Worker === "undefined" || typeof OffscreenCanvas === "undefined") return null;
  worker ??= new Worker(new URL("./resize-worker.ts", import.meta.url), { type: "module" });
  return worker;
}

let queue: Promise<unknown> = Promise.resolve();
/** One resize at a time: 12 MP bitmaps are large on a mid-range phone. */
function resize(blob: Blob): Promise<Blob | null> {
  const run = () =>
    new Promise<Blob | null>((resolve) => {
      const w = resizer();
      if (!w) return resolve(resizeOnMainThread(blob));
      const onMessage = (e: MessageEvent<{ blob?: Blob; error?: string }>) => {
        w.removeEventListener("message", onMessage);
        resolve(e.data.blob ?? null);
      };
      w.addEventListener("message", onMessage);
      w.postMessage({ blob, maxSide: MAX_SIDE, quality: QUALITY });
    });
  const p = queue.then(run, run);
  queue = p.catch(() => undefined);
  return p;
}

async function resizeOnMainThread(blob: Blob): Promise<Blob | null> {
  try {
    const bitmap = await createImageBitmap(blob, { imageOrientation: "from-image" });
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d")!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return await new Promise((r) => canvas.toBlob((b) => r(b), "image/jpeg", QUALITY));
  } catch {
    return null;
  }
}

/**
 * Turns what the camera handed over into evidence ready for the outbox. `fix` is the position
 * started when the camera was opened; it is awaited a little, never for long.
 */
export async function processPhoto(file: Blob, fix: Promise<Fix | null>): Promise<CapturedPhoto> {
  const capturedAt = new Date().toISOString();
  const bytes = new Uint8Array(await file.arrayBuffer());
  const sha256 = await sha256Hex(bytes);
  const type = kindOf(bytes, file.type);
  let blob: Blob = file;
  let resized = false;
  const size = type === "image/jpeg" ? jpegSize(bytes) : null;
  const small = size ? Math.max(size.width, size.height) <= MAX_SIDE : file.size < 600_000;
  if (!small && type !== "image/heic") {
    const out = await resize(file);
    if (out && out.size < file.size) {
      const outBytes = new Uint8Array(await out.arrayBuffer());
      blob = new Blob([(type === "image/jpeg" ? carryExif(bytes, outBytes) : outBytes) as BlobPart], {
        type: "image/jpeg",
      });
      resized = true;
    }
  }
  const position = await Promise.race([fix, new Promise<null>((r) => setTimeout(() => r(null), 3000))]);
  return {
    id: uuid(),
    blob,
    contentType: resized ? "image/jpeg" : type,
    capturedAt,
    fix: position,
    sha256,
    originalBytes: file.size,
    resized,
  };
}

/** The query string of PUT /photos/{id}: what the phone knew at the shutter. */
export function photoQuery(p: CapturedPhoto, recordId: string): Record<string, string> {
  const q: Record<string, string> = { record_id: recordId, captured_at: p.capturedAt };
  if (p.fix) {
    q.lat = String(p.fix.lat);
    q.lon = String(p.fix.lon);
    q.accuracy_m = String(p.fix.accuracy_m);
  }
  if (p.sha256) q.original_sha256 = p.sha256;
  return q;
}
