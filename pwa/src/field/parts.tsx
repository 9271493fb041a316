// Pieces shared by the patrol and visit forms: the camera button and photo strip, the position
// box, the save step (outbox first, never the network), and the picker lists.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Fix } from "../api";
import type { RecordKind } from "../db";
import { photoQuery, processPhoto, startFix, type CapturedPhoto } from "../camera";
import { enqueue, type NewPhoto } from "../outbox";
import { go } from "../router";
import { session } from "../session";
import { flash } from "../status";
import { t } from "./i18n";

export const MAX_PHOTOS = 12;

export interface DraftPhoto {
  key: string;
  state: "processing" | "ready" | "error";
  photo?: CapturedPhoto;
  url?: string;
  error?: string;
  item?: string; // the checklist item it was taken for
}

export function usePhotos() {
  const [photos, setPhotos] = useState<DraftPhoto[]>([]);
  const live = useRef(photos);
  live.current = photos;
  useEffect(() => () => live.current.forEach((p) => p.url && URL.revokeObjectURL(p.url)), []);
  const add = (files: File[], fix: Promise<Fix | null>, item?: string) => {
    for (const file of files) {
      const key = Math.random().toString(36).slice(2);
      setPhotos((ps) => [...ps, { key, state: "processing", item }]);
      processPhoto(file, fix).then(
        (photo) => setPhotos((ps) => ps.map((p) => (p.key === key ? { ...p, state: "ready", photo, url: URL.createObjectURL(photo.blob) } : p))),
        (e) => setPhotos((ps) => ps.map((p) => (p.key === key ? { ...p, state: "error", error: String(e) } : p))),
      );
    }
  };
  const remove = (key: string) => setPhotos((ps) => {
    const url = ps.find((p) => p.key === key)?.url;
    if (url) URL.revokeObjectURL(url);
    return ps.filter((p) => p.key !== key);
  });
  return { photos, add, remove };
}

/** The camera: a big button over `<input type=file accept=image/* capture=environment>`. */
export function CameraButton(props: { testid: string; label: string; onFiles: (files: File[], fix: Promise<Fix | null>) => void; disabled?: boolean }) {
  const fix = useRef<Promise<Fix | null> | null>(null);
  return (
    <label class={`btn camera${props.disabled ? " disabled" : ""}`}>
      <svg width="26" height="26" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linejoin="round">
        <path d="M3 8h4l2-3h6l2 3h4v11H3z" /><circle cx="12" cy="13" r="3.6" />
      </svg> {props.label}
      <input type="file" accept="image/*" capture="environment" multiple data-testid={props.testid} disabled={props.disabled}
        // The fix starts on the tap that opens the camera: before it, so Android's camera can tag GPS too.
        onClick={() => { fix.current = startFix(); }}
        onChange={(e) => {
          const input = e.currentTarget;
          const files = [...(input.files ?? [])];
          if (files.length) props.onFiles(files, fix.current ?? startFix());
          fix.current = null;
          input.value = "";
        }} />
    </label>
  );
}

export function PhotoStrip({ photos, onRemove, existing = 0 }: { photos: DraftPhoto[]; onRemove: (key: string) => void; existing?: number }) {
  if (!photos.length && !existing) return null;
  return (
    <div class="photos" data-testid="photo-strip">
      {Array.from({ length: existing }, () => <div class="photo"><div class="busy">✓</div></div>)}
      {photos.map((p) => (
        <div class="photo" data-state={p.state}>
          {p.url && <img src={p.url} alt="" />}
          {p.state === "processing" && <div class="busy">{t("processing")}</div>}
          {p.state === "error" && <div class="busy error">{t("photoFailed", { detail: p.error ?? "" })}</div>}
          <button type="button" class="remove" aria-label={t("removePhoto")} onClick={() => onRemove(p.key)}>✕</button>
        </div>
      ))}
    </div>
  );
}

/** The record's position: asked for when the form opens, again on the button. */
export function usePosition(initial: Fix | null = null) {
  const [fix, setFix] = useState<Fix | null>(initial);
  const [locating, setLocating] = useState(false);
  const locate = () => {
    setLocating(true);
    startFix().then((f) => {
      setLocating(false);
      if (f) setFix(f);
    });
  };
  useEffect(() => {
    if (!initial) locate();
  }, []);
  return { fix, locating, locate };
}

export function PositionBox({ fix, locating, locate }: { fix: Fix | null; locating: boolean; locate: () => void }) {
  return (
    <div class="card pos" data-testid="position" data-accuracy={fix ? String(fix.accuracy_m) : ""}>
      <div class="grow">
        <strong>{t("position")}</strong>
        <div class={fix ? "" : "small"}>
          {locating && !fix ? t("locating") : fix ? t("located", { a: Math.round(fix.accuracy_m) }) : t("noPosition")}
        </div>
        {fix && <div class="small muted">{fix.lat.toFixed(5)}, {fix.lon.toFixed(5)}</div>}
      </div>
      <button type="button" class="btn btn-small" onClick={locate} disabled={locating}>{locating ? "…" : t("locate")}</button>
    </div>
  );
}

/** Save: the record and its new photos go to the outbox in one transaction, then sync is woken. */
export async function saveToOutbox(kind: RecordKind, id: string, body: unknown, photos: CapturedPhoto[], label: string): Promise<void> {
  const userId = session.get()!.user.id;
  const newPhotos: NewPhoto[] = photos.map((p, i) => ({
    id: p.id, recordId: id, recordKind: kind, userId, blob: p.blob, contentType: p.contentType,
    query: photoQuery(p, id), label: `${label} · ${t("kind_photo")} ${i + 1}`,
  }));
  await enqueue({ kind, id, userId, body, label }, newPhotos);
  window.dispatchEvent(new Event("xunfang-sync"));
  flash.set(t("saved"));
  go("/", true);
}

export function SearchBox({ value, onInput }: { value: string; onInput: (v: string) => void }) {
  return <input type="search" placeholder={t("search")} value={value} onInput={(e) => onInput(e.currentTarget.value)} style="margin-bottom:8px" />;
}
