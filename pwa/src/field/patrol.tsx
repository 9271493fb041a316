// New patrol (and correcting a returned one): facility, the checklist of the patrol template the
// phone has cached for the facility's kind (the seven default items when none is cached yet),
// photos, position, notes, save to the outbox.
import { useEffect, useMemo, useState } from "preact/hooks";
import type { ChecklistItem, Facility, ItemResult, PatrolIn } from "../api";
import { useLang } from "../i18n";
import { vocab } from "../vocabulary-i18n";
import { addressParam, query, type Params } from "../router";
import type { Site } from "../onsite";
import { facilities } from "../session";
import { patrolTemplate, pick, templates } from "../stations";
import { useValue } from "../store";
import { distanceM, formatDistance, uuid } from "../util";
import { t, tk } from "./i18n";
import { AllOkButton, ChecklistCard } from "./checklist";
import { DraftBar, loadDraft, useDraft } from "../ui/draft";
import { ft } from "../ui/i18n";
import { OnSiteWarnings } from "./warnings";
import { loadRecord } from "./load-record";
import { FieldError, MAX_PHOTOS, UndoBar, removeExisting } from "../ui/form-parts";
import { PositionBox, RecordPhotos, SaveBar, SearchBox } from "./parts";
import { useRecordForm } from "./record-form";
import { ReturnedBanner } from "./returned";

export const DEFAULT_CHECKLIST: string[] = [
  "cleanliness",
  "greenery",
  "structure",
  "safety",
  "signage",
  "visitor_order",
  "surveillance",
];

export default function PatrolForm({ params }: { params: Params }) {
  useLang();
  const editing = params.id ?? null;
  const [id] = useState(() => editing ?? addressParam("draft") ?? uuid()); // made when the record is started
  const [startedAt, setStartedAt] = useState(() => new Date().toISOString());
  const [facilityId, setFacilityId] = useState<string | null>(() => query().facility ?? null); // home's due list names it
  const [items, setItems] = useState<Record<string, ChecklistItem>>({});
  const [notes, setNotes] = useState("");
  const [existingPhotos, setExistingPhotos] = useState<string[]>([]);
  const [existingItem, setExistingItem] = useState<Record<string, string>>({}); // photo id -> the item it shows
  const [returned, setReturned] = useState<string | null>(null);
  const { photos, add, remove, restore, position, ready, loaded, setLoaded, busy, saveError, visible, save } =
    useRecordForm("patrol", id);
  const cached = useValue(templates);
  const facility = useValue(facilities).find((f) => f.id === facilityId);
  const kind = facility?.kind;
  const template = useMemo(() => patrolTemplate(kind), [cached, kind]);
  const CHECKLIST: string[] = template ? template.items.map((i) => i.code) : DEFAULT_CHECKLIST;
  const label = (code: string) => {
    const item = template?.items.find((i) => i.code === code);
    return item ? pick(item.label) : tk(`item_${code}` as Parameters<typeof tk>[0]);
  };
  const hint = (code: string) => {
    const item = template?.items.find((i) => i.code === code);
    return item ? pick(item.hint) : tk(`hint_${code}` as Parameters<typeof tk>[0]);
  };

  const state: PatrolDraft = { startedAt, facilityId, items, notes, existingPhotos, existingItem };
  const draft = useDraft({
    kind: "patrol",
    id,
    route: editing ? `/patrol/${id}/edit` : `/patrol/new?draft=${id}`,
    label: `${vocab("kind_patrol")} · ${facility ? facility.name : ft("draftNew")}`,
    state,
    photos,
    loaded,
    empty: !Object.keys(items).length && !notes.trim() && !photos.length,
  });

  useEffect(() => {
    void (async () => {
      const saved = await loadDraft(id).catch(() => null);
      if (saved) {
        const d = saved.entry.state as PatrolDraft;
        setStartedAt(d.startedAt);
        setFacilityId(d.facilityId);
        setItems(d.items);
        setNotes(d.notes);
        setExistingPhotos(d.existingPhotos);
        setExistingItem(d.existingItem);
        restore(saved.photos);
        draft.restored(saved);
      }
      const r = editing ? await loadRecord("patrol", editing) : null;
      if (r) {
        setReturned(r.returnComment ?? null);
        if (!saved) {
          setStartedAt(r.started_at);
          setFacilityId(r.facility_id);
          setItems(
            Object.fromEntries(
              r.checklist.map((c) => [c.item, { item: c.item, result: c.result, note: c.note ?? "" }]),
            ),
          );
          setNotes(r.notes ?? "");
          setExistingPhotos(r.photo_ids ?? []);
          // An item's photos stay on that item when a returned record is corrected.
          setExistingItem(
            Object.fromEntries(r.checklist.flatMap((c) => (c.photo_ids ?? []).map((pid) => [pid, c.item]))),
          );
        }
      }
      setLoaded(true);
    })();
  }, [editing]);

  const setResult = (code: string, result: ItemResult) =>
    setItems((all) => ({ ...all, [code]: { item: code, result, note: all[code]?.note ?? "" } }));
  const setNote = (code: string, note: string) => setItems((all) => ({ ...all, [code]: { ...all[code], note } }));
  /** 全部正常: every unanswered item OK in one tap; those already answered stay. */
  const allOk = () =>
    setItems((all) => ({
      ...Object.fromEntries(
        CHECKLIST.filter((c) => !all[c]).map((c) => [c, { item: c, result: "ok" as ItemResult, note: "" }]),
      ),
      ...all,
    }));

  const issues = CHECKLIST.filter((c) => items[c]?.result === "issue");
  // The photos of an item: those kept from the server on it, and those taken with 拍摄此项.
  const itemPhotoIds = (c: string) => [
    ...existingPhotos.filter((pid) => existingItem[pid] === c),
    ...ready.filter((p) => p.item === c).map((p) => p.photo!.id),
  ];
  const onIssue = (item?: string) => !!item && items[item]?.result === "issue";
  // Each problem is keyed by where it shows: next to its field, never in a pile at the bottom.
  const problems: Record<string, string> = {};
  if (!facilityId) problems.facility = t("needFacility");
  for (const c of CHECKLIST) {
    if (!items[c]) problems[`item-${c}`] = t("errUnanswered", { item: label(c) });
    else if (items[c].result === "issue" && !items[c].note.trim())
      problems[`note-${c}`] = t("errIssueNote", { item: label(c) });
  }
  if (issues.length && !ready.length && !existingPhotos.length) problems.photos = t("issueNeedsPhoto");
  if (photos.some((p) => p.state === "processing")) problems.photos = ft("processing");
  const shown = visible(problems);
  // As the server decides "an issue without a photo" (api/records.py issue_items_without_photos).
  const anyItemPhotos = issues.some((c) => itemPhotoIds(c).length);
  const issuesWithoutPhoto = anyItemPhotos
    ? issues.filter((c) => !itemPhotoIds(c).length)
    : issues.length && !ready.length && !existingPhotos.length
      ? issues
      : [];

  const submit = () =>
    save(draft, problems, () => {
      const body: PatrolIn = {
        facility_id: facilityId!,
        started_at: startedAt,
        ended_at: new Date().toISOString(),
        location: position.fix,
        checklist: CHECKLIST.map((c) => ({
          item: c,
          result: items[c].result,
          note: items[c].note.trim(),
          ...(items[c].result === "issue" ? { photo_ids: itemPhotoIds(c) } : {}),
        })),
        notes: notes.trim(),
        photo_ids: [...existingPhotos, ...ready.map((p) => p.photo!.id)],
        ...(template ? { template_id: template.id } : {}),
      };
      const name = facilities.get().find((f) => f.id === facilityId)?.name ?? vocab("kind_patrol");
      return { body, label: `${vocab("kind_patrol")} · ${name}` };
    });

  const total = photos.length + existingPhotos.length;
  const dropExisting = (pid: string) => removeExisting(setExistingPhotos, pid);
  const site: Site | null = facility
    ? { position: facility.location, geofence_m: facility.geofence_m, noun: "facility" }
    : null;
  return (
    <div data-testid="patrol-form" data-record-id={id}>
      <h1>{t("patrolTitle")}</h1>
      <DraftBar draft={draft} />
      {editing && <ReturnedBanner comment={returned} />}
      <FacilityPicker selected={facilityId} onSelect={setFacilityId} here={position.fix} />
      <FieldError id="facility" text={shown.facility} />
      <PositionBox {...position} />
      {/* Before a facility is chosen the screen is a picker: no checklist and no save button yet. */}
      {facilityId && (
        <>
          <h2>{t("checklist")}</h2>
          <AllOkButton left={CHECKLIST.filter((c) => !items[c]).length} onClick={allOk} />
          {CHECKLIST.map((code) => (
            <ChecklistCard
              code={code}
              label={label(code)}
              hint={hint(code)}
              it={items[code]}
              photos={photos}
              total={total}
              setResult={setResult}
              setNote={setNote}
              add={add}
              remove={remove}
              existing={existingPhotos.filter((pid) => existingItem[pid] === code)}
              onRemoveExisting={dropExisting}
              itemError={shown[`item-${code}`]}
              noteError={shown[`note-${code}`]}
            />
          ))}
          <RecordPhotos
            total={total}
            photos={photos.filter((p) => !onIssue(p.item))}
            onRemove={remove}
            existing={existingPhotos.filter((pid) => !onIssue(existingItem[pid]))}
            onRemoveExisting={dropExisting}
            add={add}
            error={shown.photos}
          />
          {total >= MAX_PHOTOS && <p class="small">{t("tooManyPhotos")}</p>}
          <label class="field" style="margin-top:14px">
            <span class="label">{t("notes")}</span>
            <textarea data-testid="patrol-notes" value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />
          </label>
          <OnSiteWarnings
            site={site}
            position={position}
            photos={photos}
            numberFrom={existingPhotos.length}
            start={startedAt}
            needsPhoto={!existingPhotos.length}
            issuesWithoutPhoto={issuesWithoutPhoto.map((c) => ({ code: c, label: label(c) }))}
            onRemove={remove}
            onAdd={(files, fix, item) => add(files.slice(0, MAX_PHOTOS - total), fix, item)}
          />
          <FieldError id="save" text={saveError} />
          <UndoBar />
          <SaveBar problems={Object.keys(shown).length} busy={busy} onSave={submit} />
        </>
      )}
    </div>
  );
}

interface PatrolDraft {
  startedAt: string;
  facilityId: string | null;
  items: Record<string, ChecklistItem>;
  notes: string;
  existingPhotos: string[];
  existingItem: Record<string, string>;
}

export function FacilityPicker({
  selected,
  onSelect,
  here,
}: {
  selected: string | null;
  onSelect: (id: string | null) => void;
  here: { lat: number; lon: number } | null;
}) {
  const all = useValue(facilities);
  const [q, setQ] = useState("");
  const sorted = useMemo(() => {
    const withD = all.map((f) => ({ f, d: here ? distanceM(here, f.location) : null }));
    return withD
      .filter(({ f }) => !q || f.name.includes(q) || f.address.includes(q))
      .sort((a, b) =>
        a.d !== null && b.d !== null
          ? a.d - b.d
          : Number(b.f.overdue) - Number(a.f.overdue) || a.f.name.localeCompare(b.f.name, "zh-CN"),
      );
  }, [all, here, q]);
  const chosen = all.find((f) => f.id === selected);
  if (chosen) {
    return (
      <div class="item selected" data-testid="facility-selected" data-id={chosen.id}>
        <FacilityLine f={chosen} d={here ? distanceM(here, chosen.location) : null} />
        <button type="button" class="btn btn-small" onClick={() => onSelect(null)}>
          {t("change")}
        </button>
      </div>
    );
  }
  return (
    <div>
      <h2>{t("pickFacility")}</h2>
      {here && <p class="small muted">{t("nearestFirst")}</p>}
      {all.length > 6 && <SearchBox value={q} onInput={setQ} />}
      {!all.length && <p class="notice">{t("noFacilities")}</p>}
      <ul class="list">
        {sorted.map(({ f, d }) => (
          <li key={f.id}>
            <button
              type="button"
              class="item"
              data-testid="facility-item"
              data-id={f.id}
              onClick={() => onSelect(f.id)}
            >
              <FacilityLine f={f} d={d} />
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function FacilityLine({ f, d }: { f: Facility; d: number | null }) {
  return (
    <>
      <span class="main">
        <span class="name">{f.name}</span>
        <span class="sub">{f.address}</span>
      </span>
      <span class="side">
        {d !== null && <div>{formatDistance(d)}</div>}
        {f.overdue && <span class="badge overdue">{t("overdue")}</span>}
      </span>
    </>
  );
}
