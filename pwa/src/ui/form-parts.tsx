// Pieces of a form that the phone's forms and the desk's task fix share: the camera button, the
// photo strip (with undo after a removal, thumbnails of photos already on the server) and the
// line that says what is wrong next to a field.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Fix } from "../api";
import { processPhoto, startFix, type CapturedPhoto } from "../camera";
import type { DraftPhotoIn } from "../drafts";
import { session } from "../session";
import { online } from "../status";
import { useValue, value } from "../store";
import { ft } from "./i18n";
export const MAX_PHOTOS = 12;

export interface DraftPhoto {
  key: string;
  state: "processing" | "ready" | "error";
  photo?: CapturedPhoto;
  url?: string;
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
        (photo) =>
          setPhotos((ps) =>
            ps.map((p) => (p.key === key ? { ...p, state: "ready", photo, url: URL.createObjectURL(photo.blob) } : p)),
          ),
        () => setPhotos((ps) => ps.map((p) => (p.key === key ? { ...p, state: "error" } : p))),
      );
    }
  };
  // A removed photo can be brought back for a few seconds (the undo bar); its picture stays loaded until then.
  const remove = (key: string) => {
    const at = live.current.findIndex((p) => p.key === key);
    const gone = live.current[at];
    if (!gone) return;
    setPhotos((ps) => ps.filter((p) => p.key !== key));
    offerUndo(
      ft("photoRemoved"),
      () => setPhotos((ps) => [...ps.slice(0, at), gone, ...ps.slice(at)]),
      () => gone.url && URL.revokeObjectURL(gone.url),
    );
  };
  /** A draft's photos, back from IndexedDB. */
  const restore = (list: DraftPhotoIn[]) =>
    setPhotos(
      list.map(({ photo, item }) => ({
        key: photo.id,
        state: "ready",
        photo,
        url: URL.createObjectURL(photo.blob),
        ...(item ? { item } : {}),
      })),
    );
  return { photos, add, remove, restore };
}

/** The ready photos of a form as a draft keeps them. */
export const draftPhotos = (photos: DraftPhoto[]): DraftPhotoIn[] =>
  photos
    .filter((p) => p.state === "ready" && p.photo)
    .map((p) => ({ photo: p.photo!, ...(p.item ? { item: p.item } : {}) }));

interface UndoOffer {
  id: number;
  text: string;
  undo: () => void;
  expire: () => void;
}
const undoOffer = value<UndoOffer | null>(null);
let undoSeq = 0;
let undoTimer: ReturnType<typeof setTimeout> | undefined;
const UNDO_MS = 6000;

/** Shows the undo bar for a few seconds; the previous offer expires. */
export function offerUndo(text: string, undo: () => void, expire: () => void = () => undefined): void {
  undoOffer.get()?.expire();
  clearTimeout(undoTimer);
  const offer = { id: ++undoSeq, text, undo, expire };
  undoOffer.set(offer);
  undoTimer = setTimeout(() => {
    if (undoOffer.get()?.id !== offer.id) return;
    offer.expire();
    undoOffer.set(null);
  }, UNDO_MS);
}

/** The short bar over the save button after a removal: what went, and 撤销. */
export function UndoBar() {
  const offer = useValue(undoOffer);
  useEffect(
    () => () => {
      const o = undoOffer.get();
      if (o) {
        clearTimeout(undoTimer);
        o.expire();
        undoOffer.set(null);
      }
    },
    [],
  );
  if (!offer) return null;
  return (
    <div class="undo-bar" role="status" data-testid="undo-bar">
      <span>{offer.text}</span>
      <button
        type="button"
        class="linklike"
        data-testid="undo"
        onClick={() => {
          clearTimeout(undoTimer);
          undoOffer.set(null);
          offer.undo();
        }}
      >
        {ft("undo")}
      </button>
    </div>
  );
}

/** Removing a photo already on the server from a returned record: with undo as well. */
export function removeExisting(set: (f: (ids: string[]) => string[]) => void, id: string): void {
  let at = -1;
  set((ids) => {
    at = ids.indexOf(id);
    return ids.filter((x) => x !== id);
  });
  offerUndo(ft("photoRemoved"), () =>
    set((ids) => (ids.includes(id) ? ids : [...ids.slice(0, Math.max(0, at)), id, ...ids.slice(Math.max(0, at))])),
  );
}

/** The camera: a big button over `<input type=file accept=image/* capture=environment>`. */
export function CameraButton(props: {
  testid: string;
  label: string;
  onFiles: (files: File[], fix: Promise<Fix | null>) => void;
  disabled?: boolean;
  small?: boolean;
}) {
  const fix = useRef<Promise<Fix | null> | null>(null);
  return (
    <label class={`btn camera${props.small ? " btn-small" : ""}${props.disabled ? " disabled" : ""}`}>
      <svg
        width={props.small ? 20 : 26}
        height={props.small ? 20 : 26}
        viewBox="0 0 24 24"
        aria-hidden="true"
        fill="none"
        stroke="currentColor"
        stroke-width="2.2"
        stroke-linejoin="round"
      >
        <path d="M3 8h4l2-3h6l2 3h4v11H3z" />
        <circle cx="12" cy="13" r="3.6" />
      </svg>{" "}
      {props.label}
      <input
        type="file"
        accept="image/*"
        capture="environment"
        multiple
        data-testid={props.testid}
        disabled={props.disabled}
        // The fix starts on the tap that opens the camera: before it, so Android's camera can tag GPS too.
        onClick={() => {
          fix.current = startFix();
        }}
        onChange={(e) => {
          const input = e.currentTarget;
          const files = [...(input.files ?? [])];
          if (files.length) props.onFiles(files, fix.current ?? startFix());
          fix.current = null;
          input.value = "";
        }}
      />
    </label>
  );
}

/**
 * The photos of a form: those already on the server (`existing` ids, shown from their thumbnails)
 * and those taken now. A file the browser cannot show (HEIC on most phones, or not a picture at
 * all) gets a tile that says so instead of a broken image.
 */
export function PhotoStrip({
  photos,
  onRemove,
  existing = [],
  onRemoveExisting,
}: {
  photos: DraftPhoto[];
  onRemove: (key: string) => void;
  existing?: string[];
  onRemoveExisting?: (id: string) => void;
}) {
  const thumbs = useThumbs(existing);
  const on = useValue(online);
  if (!photos.length && !existing.length) return null;
  return (
    <div class="photos" data-testid="photo-strip">
      {existing.map((id) => (
        <div class="photo" data-state="uploaded" data-id={id}>
          {thumbs[id] ? (
            <img src={thumbs[id]} alt={ft("photoUploaded")} />
          ) : (
            <div class="busy">{thumbs[id] === undefined && on ? ft("processing") : ft("photoOffline")}</div>
          )}
          {onRemoveExisting && <RemoveButton onClick={() => onRemoveExisting(id)} />}
        </div>
      ))}
      {photos.map((p) => (
        <DraftTile key={p.key} p={p} onRemove={onRemove} />
      ))}
    </div>
  );
}

function DraftTile({ p, onRemove }: { p: DraftPhoto; onRemove: (key: string) => void; key?: string }) {
  const [unreadable, setUnreadable] = useState(false);
  return (
    <div class="photo" data-state={unreadable ? "unreadable" : p.state} data-id={p.photo?.id}>
      {p.url && !unreadable && <img src={p.url} alt={ft("kind_photo")} onError={() => setUnreadable(true)} />}
      {p.state === "processing" && <div class="busy">{ft("processing")}</div>}
      {(p.state === "error" || unreadable) &&
        (p.photo?.contentType === "image/heic" ? (
          <div class="busy heic">{ft("photoHeic")}</div>
        ) : (
          <div class="busy error">{ft("photoUnreadable")}</div>
        ))}
      <RemoveButton onClick={() => onRemove(p.key)} />
    </div>
  );
}

/** A small cross in the photo's corner; the whole corner (44 px) takes the tap. */
function RemoveButton({ onClick }: { onClick: () => void }) {
  return (
    <button type="button" class="remove" aria-label={ft("removePhoto")} data-testid="photo-remove" onClick={onClick}>
      <span aria-hidden="true">✕</span>
    </button>
  );
}

/**
 * Thumbnails of photos on the server (id -> object URL; "" when it could not be fetched). They
 * need the bearer token, so they are fetched and shown from object URLs.
 */
export function useThumbs(ids: string[]): Record<string, string> {
  const [urls, setUrls] = useState<Record<string, string>>({});
  useEffect(() => {
    const made: string[] = [];
    let live = true;
    const token = session.get()?.token;
    void Promise.all(
      ids.map((id) =>
        fetch(api.thumbUrl(id), { headers: { Authorization: `Bearer ${token}` } })
          .then((r) => (r.ok ? r.blob() : null))
          .catch(() => null)
          .then((b) => {
            const url = b ? URL.createObjectURL(b) : "";
            if (url) made.push(url);
            return [id, url] as const;
          }),
      ),
    ).then((pairs) => live && setUrls(Object.fromEntries(pairs)));
    return () => {
      live = false;
      made.forEach((u) => URL.revokeObjectURL(u));
    };
  }, [ids.join()]);
  return urls;
}

/** A validation message next to what it is about; it goes as soon as the problem is fixed. */
export function FieldError({ text, id }: { text?: string | false | null; id: string }) {
  return text ? (
    <p class="error field-error" role="alert" data-testid={`error-${id}`} id={`error-${id}`}>
      {text}
    </p>
  ) : null;
}
