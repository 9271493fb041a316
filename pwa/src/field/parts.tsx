// Pieces shared by the patrol, visit and inspection forms: the position box, the save step
// (outbox first, never the network), the picker's search box and the save bar. The camera, the
// photo strip and a field's error line are in ui/form-parts.tsx (the desk's task fix uses them too);
// RecordPhotos puts them together for a record.
import { useEffect, useState } from "preact/hooks";
import type { Fix } from "../api";
import type { RecordKind } from "../db";
import { photoQuery, startFix, type CapturedPhoto } from "../camera";
import { discardDraft } from "../drafts";
import { enqueue, type NewPhoto } from "../outbox";
import { go } from "../router";
import { session } from "../session";
import { flash, SAVED } from "../status";
import { formatDistance } from "../util";
import { CameraButton, FieldError, MAX_PHOTOS, PhotoStrip, type DraftPhoto } from "../ui/form-parts";
import { ft } from "../ui/i18n";
import { t } from "./i18n";

/** The record's position: asked for when the form opens, again on the button. */
export function usePosition(initial: Fix | null = null) {
  const [fix, setFix] = useState<Fix | null>(initial);
  const [locating, setLocating] = useState(false);
  const locate = (fresh = false) => {
    setLocating(true);
    startFix(20_000, fresh ? 0 : 15_000).then((f) => {
      setLocating(false);
      if (f) setFix(f);
    });
  };
  useEffect(() => {
    if (!initial) locate();
  }, []);
  return { fix, locating, locate: () => locate(true) }; // asked on the button: a new fix
}

export function PositionBox({ fix, locating, locate }: { fix: Fix | null; locating: boolean; locate: () => void }) {
  return (
    <div class="card pos" data-testid="position" data-accuracy={fix ? String(fix.accuracy_m) : ""}>
      <div class="grow">
        <strong>{t("position")}</strong>
        <div class={fix ? "" : "small"}>
          {locating && !fix
            ? t("locating")
            : fix
              ? t("located", { a: formatDistance(fix.accuracy_m) })
              : t("noPosition")}
        </div>
        {fix && (
          <div class="small muted">
            {fix.lat.toFixed(5)}, {fix.lon.toFixed(5)}
          </div>
        )}
      </div>
      <button type="button" class="btn btn-small" onClick={locate} disabled={locating}>
        {locating ? "…" : t("locate")}
      </button>
    </div>
  );
}

/** Save: the record and its new photos go to the outbox in one transaction, then sync is woken. */
export async function saveToOutbox(
  kind: RecordKind,
  id: string,
  body: unknown,
  photos: CapturedPhoto[],
  label: string,
): Promise<void> {
  const userId = session.get()!.user.id;
  const newPhotos: NewPhoto[] = photos.map((p, i) => ({
    id: p.id,
    recordId: id,
    recordKind: kind,
    userId,
    blob: p.blob,
    contentType: p.contentType,
    query: photoQuery(p, id),
    label: `${label} · ${ft("kind_photo")} ${i + 1}`,
  }));
  await enqueue({ kind, id, userId, body, label }, newPhotos);
  await discardDraft(id).catch(() => undefined); // in the outbox now: the draft has done its work
  window.dispatchEvent(new Event("xunfang-sync"));
  flash.set(SAVED);
  go("/", true);
}

export function SearchBox({ value, onInput }: { value: string; onInput: (v: string) => void }) {
  return (
    <input
      type="search"
      placeholder={t("search")}
      aria-label={t("search")}
      value={value}
      onInput={(e) => onInput(e.currentTarget.value)}
      style="margin-bottom:8px"
    />
  );
}

/** The save bar: the button, and one short line when something is still to be completed. */
export function SaveBar({
  problems,
  busy,
  onSave,
  label,
}: {
  problems: number;
  busy: boolean;
  onSave: () => void;
  label?: string;
}) {
  const first = () => document.querySelector(".field-error")?.scrollIntoView({ block: "center", behavior: "smooth" });
  return (
    <div class="savebar">
      {problems > 0 && (
        <p class="error savebar-note" data-testid="save-problems">
          <span>{t("errSome", { n: problems })}</span>{" "}
          <button type="button" class="linklike" onClick={first}>
            {t("showFirst")}
          </button>
        </p>
      )}
      <button
        type="button"
        class="btn btn-primary btn-block"
        data-testid="record-save"
        disabled={busy}
        onClick={onSave}
      >
        {busy ? ft("saving") : (label ?? t("save"))}
      </button>
    </div>
  );
}

/** A record's photos: the heading with their count, the strip (new and already sent), an error
 *  line, and the camera while the record may take more. */
export function RecordPhotos({
  total,
  photos,
  onRemove,
  existing,
  onRemoveExisting,
  add,
  error,
}: {
  total: number;
  photos: DraftPhoto[];
  onRemove: (key: string) => void;
  existing?: string[];
  onRemoveExisting?: (id: string) => void;
  add: (files: File[], fix: Promise<Fix | null>) => void;
  /** Said between the strip and the camera (a form may say it further down instead). */
  error?: string | false | null;
}) {
  return (
    <>
      <h2>
        {t("photos")} <span class="muted small">{ft("photoCount", { n: total })}</span>
      </h2>
      <PhotoStrip photos={photos} onRemove={onRemove} existing={existing} onRemoveExisting={onRemoveExisting} />
      {error && <FieldError id="photos" text={error} />}
      <CameraButton
        testid="photo-input"
        label={t("takePhoto")}
        disabled={total >= MAX_PHOTOS}
        onFiles={(files, fix) => add(files.slice(0, MAX_PHOTOS - total), fix)}
      />
    </>
  );
}
