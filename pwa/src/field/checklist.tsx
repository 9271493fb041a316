// One checklist item as patrols and station inspections show it: label, hint, ok / issue / n.a.,
// and for an issue its note and the photos that show it.
import { ITEM_RESULTS, type Fix, type ItemResult } from "../api";
import { ft } from "../ui/i18n";
import { t } from "./i18n";
import { CameraButton, FieldError, MAX_PHOTOS, PhotoStrip, type DraftPhoto } from "../ui/form-parts";
import { vocab } from "../vocabulary-i18n";

const RESULTS = ITEM_RESULTS;

export interface ItemState {
  result: ItemResult;
  note: string;
}

export function ChecklistCard(props: {
  code: string;
  label: string;
  hint: string;
  it: ItemState | undefined;
  photos: DraftPhoto[];
  total: number;
  setResult: (code: string, r: ItemResult) => void;
  setNote: (code: string, note: string) => void;
  add: (files: File[], fix: Promise<Fix | null>, item?: string) => void;
  remove: (key: string) => void;
  itemError?: string;
  noteError?: string; // shown next to what they are about, gone once fixed
  existing?: string[];
  onRemoveExisting?: (id: string) => void; // this item's photos already on the server
}) {
  const { code, label, it, total } = props;
  return (
    <div
      class={`card${it?.result === "issue" ? " issue" : ""}${props.itemError ? " invalid" : ""}`}
      data-testid={`checklist-${code}`}
    >
      <div>
        <strong>{label}</strong>
      </div>
      <div class="small muted" style="margin-bottom:6px">
        {props.hint}
      </div>
      <div class="seg" role="group" aria-label={label}>
        {RESULTS.map((r) => (
          <button
            type="button"
            class={r}
            aria-pressed={it?.result === r}
            data-testid={`checklist-${code}-${r}`}
            onClick={() => props.setResult(code, r)}
          >
            {vocab(`res_${r}`)}
          </button>
        ))}
      </div>
      <FieldError id={`item-${code}`} text={props.itemError} />
      {it?.result === "issue" && (
        <div style="margin-top:10px">
          <label class="field">
            <span class="label">{t("issueNote")}</span>
            <textarea
              data-testid={`checklist-${code}-note`}
              value={it.note}
              onInput={(e) => props.setNote(code, e.currentTarget.value)}
              aria-invalid={props.noteError ? true : undefined}
            />
          </label>
          <FieldError id={`note-${code}`} text={props.noteError} />
          <CameraButton
            testid={`checklist-${code}-photo`}
            label={t("photoOfItem")}
            disabled={total >= MAX_PHOTOS}
            onFiles={(files, fix) => props.add(files.slice(0, MAX_PHOTOS - total), fix, code)}
          />
          <PhotoStrip
            photos={props.photos.filter((p) => p.item === code)}
            onRemove={props.remove}
            existing={props.existing}
            onRemoveExisting={props.onRemoveExisting}
          />
        </div>
      )}
    </div>
  );
}

/** 全部正常: sets every item not answered yet to OK in one tap; shown while any is unanswered. */
export function AllOkButton({ left, onClick }: { left: number; onClick: () => void }) {
  if (!left) return null;
  return (
    <div class="all-ok">
      <button type="button" class="btn btn-block ok" data-testid="checklist-all-ok" onClick={onClick}>
        {ft("allOk")} ({left})
      </button>
      <div class="small muted">{ft("allOkHint")}</div>
    </div>
  );
}
