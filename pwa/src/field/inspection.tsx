// 督导检查 (station inspection, "回头看"): pick a station below the user's own unit, walk the checklist
// of its standard as cached on the phone (the version it had is what the record names), photos,
// position, notes, save to the outbox. Works with no network once the phone has synced once.
import { useEffect, useMemo, useState } from "preact/hooks";
import type { ChecklistItem, InspectionIn, ItemResult, OrgUnit } from "../api";
import { defineStrings, useLang } from "../i18n";
import { vocab } from "../vocabulary-i18n";
import type { Site } from "../onsite";
import { addressParam } from "../router";
import { session } from "../session";
import { inspectionTemplate, pick, stationsBelow, templates, units } from "../stations";
import { useValue } from "../store";
import { distanceM, formatDistance, uuid } from "../util";
import { AllOkButton, ChecklistCard } from "./checklist";
import { DraftBar, loadDraft, useDraft } from "../ui/draft";
import { ft as fft } from "../ui/i18n";
import { OnSiteWarnings } from "./warnings";
import { t as ft } from "./i18n";
import { FieldError, MAX_PHOTOS, UndoBar } from "../ui/form-parts";
import { PositionBox, RecordPhotos, SaveBar, SearchBox } from "./parts";
import { useRecordForm } from "./record-form";

const t = defineStrings(
  {
    title: "督导检查",
    pick: "选择服务站",
    none: "您的单位下没有可督导的服务站：请联网同步一次。",
    demo: "示范站",
    noTemplate: "本机没有该标准的检查表：请联网同步一次。",
    version: "检查表：{name}（第 {v} 版）",
    needStation: "请选择服务站",
  },
  {
    title: "Station inspection",
    pick: "Choose a station",
    none: "No station below your unit on this phone: sync once online.",
    demo: "Demonstration",
    noTemplate: "No checklist of this standard on this phone: sync once online.",
    version: "Checklist: {name} (version {v})",
    needStation: "Choose a station",
  },
);

export default function InspectionForm() {
  useLang();
  const [id] = useState(() => addressParam("draft") ?? uuid()); // made when the inspection is started
  const [startedAt, setStartedAt] = useState(() => new Date().toISOString());
  const [stationId, setStationId] = useState<string | null>(null);
  const [items, setItems] = useState<Record<string, ChecklistItem>>({});
  const [notes, setNotes] = useState("");
  const { photos, add, remove, restore, position, ready, loaded, setLoaded, busy, saveError, visible, save } =
    useRecordForm("inspection", id);
  const all = useValue(units);
  const cached = useValue(templates);
  const station = all.find((u) => u.id === stationId);
  const template = useMemo(() => inspectionTemplate(station?.station?.standard), [cached, station]);
  const codes = template?.items.map((i) => i.code) ?? [];

  const draft = useDraft({
    kind: "inspection",
    id,
    route: `/inspection/new?draft=${id}`,
    label: `${t("title")} · ${station?.name ?? fft("draftNew")}`,
    state: { startedAt, stationId, items, notes } satisfies InspectionDraft,
    photos,
    loaded,
    empty: !Object.keys(items).length && !notes.trim() && !photos.length,
  });
  useEffect(() => {
    void loadDraft(id)
      .catch(() => null)
      .then((saved) => {
        if (saved) {
          const d = saved.entry.state as InspectionDraft;
          setStartedAt(d.startedAt);
          setStationId(d.stationId);
          setItems(d.items);
          setNotes(d.notes);
          restore(saved.photos);
          draft.restored(saved);
        }
        setLoaded(true);
      });
  }, []);
  const allOk = () =>
    setItems((a) => ({
      ...Object.fromEntries(
        codes.filter((c) => !a[c]).map((c) => [c, { item: c, result: "ok" as ItemResult, note: "" }]),
      ),
      ...a,
    }));

  const setResult = (code: string, result: ItemResult) =>
    setItems((a) => ({ ...a, [code]: { item: code, result, note: a[code]?.note ?? "" } }));
  const setNote = (code: string, note: string) => setItems((a) => ({ ...a, [code]: { ...a[code], note } }));

  const label = (code: string) => pick(template?.items.find((i) => i.code === code)?.label ?? { zh: code, en: code });
  // Each problem is keyed by where it shows, as on the patrol form: beside its item, gone once fixed.
  const problems: Record<string, string> = {};
  if (!station) problems.station = t("needStation");
  else if (!template) problems.station = t("noTemplate");
  for (const c of codes) {
    if (!items[c]) problems[`item-${c}`] = ft("errUnanswered", { item: label(c) });
    else if (items[c].result === "issue" && !items[c].note.trim())
      problems[`note-${c}`] = ft("errIssueNote", { item: label(c) });
  }
  const issues = codes.filter((c) => items[c]?.result === "issue");
  if (issues.length && !ready.length) problems.photos = ft("issueNeedsPhoto");
  const itemPhotoIds = (c: string) => ready.filter((p) => p.item === c).map((p) => p.photo!.id);
  const anyItemPhotos = issues.some((c) => itemPhotoIds(c).length);
  const issuesWithoutPhoto = anyItemPhotos
    ? issues.filter((c) => !itemPhotoIds(c).length)
    : issues.length && !ready.length
      ? issues
      : [];
  if (photos.some((p) => p.state === "processing")) problems.photos = fft("processing");
  const shown = visible(problems);

  const submit = () =>
    save(draft, problems, () => {
      const body: InspectionIn = {
        org_unit_id: station!.id,
        template_id: template!.id,
        started_at: startedAt,
        ended_at: new Date().toISOString(),
        location: position.fix,
        notes: notes.trim(),
        photo_ids: ready.map((p) => p.photo!.id),
        checklist: codes.map((c) => ({
          item: c,
          result: items[c].result,
          note: items[c].note.trim(),
          ...(items[c].result === "issue" ? { photo_ids: itemPhotoIds(c) } : {}),
        })),
      };
      return { body, label: `${t("title")} · ${station!.name}` };
    });

  const total = photos.length;
  const site: Site | null = station?.station?.location
    ? { position: station.station.location, geofence_m: station.station.geofence_m, noun: "station" }
    : null;
  return (
    <div data-testid="inspection-form" data-record-id={id}>
      <h1>{t("title")}</h1>
      <DraftBar draft={draft} />
      <StationPicker selected={station} onSelect={setStationId} here={position.fix} />
      <FieldError id="station" text={shown.station} />
      <PositionBox {...position} />
      {/* Before a station is chosen the screen is a picker: no checklist and no save button yet. */}
      {template && (
        <>
          <h2>{ft("checklist")}</h2>
          <p class="small muted" data-testid="inspection-template" data-id={template.id}>
            {t("version", { name: template.name, v: template.version })}
          </p>
          <AllOkButton left={codes.filter((c) => !items[c]).length} onClick={allOk} />
          {template.items.map(({ code, label, hint }) => (
            <ChecklistCard
              code={code}
              label={pick(label)}
              hint={pick(hint)}
              it={items[code]}
              photos={photos}
              total={total}
              setResult={setResult}
              setNote={setNote}
              add={add}
              remove={remove}
              itemError={shown[`item-${code}`]}
              noteError={shown[`note-${code}`]}
            />
          ))}
          <RecordPhotos
            total={total}
            photos={photos.filter((p) => !(p.item && items[p.item]?.result === "issue"))}
            onRemove={remove}
            add={add}
            error={shown.photos}
          />
          <label class="field" style="margin-top:14px">
            <span class="label">{ft("notes")}</span>
            <textarea data-testid="inspection-notes" value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />
          </label>
          <OnSiteWarnings
            site={site}
            position={position}
            photos={photos}
            numberFrom={0}
            start={startedAt}
            needsPhoto
            issuesWithoutPhoto={issuesWithoutPhoto.map((c) => ({ code: c, label: label(c) }))}
            onRemove={remove}
            onAdd={(files, fix, item) => add(files.slice(0, MAX_PHOTOS - total), fix, item)}
          />
          <FieldError id="save" text={saveError} />
          <UndoBar />
          <SaveBar problems={Object.keys(shown).length} busy={busy} onSave={submit} />
        </>
      )}
      {station && !template && <p class="notice">{t("noTemplate")}</p>}
    </div>
  );
}

interface InspectionDraft {
  startedAt: string;
  stationId: string | null;
  items: Record<string, ChecklistItem>;
  notes: string;
}

function StationPicker({
  selected,
  onSelect,
  here,
}: {
  selected: OrgUnit | undefined;
  onSelect: (id: string | null) => void;
  here: { lat: number; lon: number } | null;
}) {
  const all = useValue(units);
  const me = useValue(session)?.user.org_unit_id;
  const [q, setQ] = useState("");
  const below = useMemo(() => stationsBelow(all, me), [all, me]);
  const d = (u: OrgUnit) => (here && u.station?.location ? distanceM(here, u.station.location) : null);
  const shown = below
    .filter((u) => !q || u.name.includes(q) || (u.station?.address ?? "").includes(q))
    .sort((a, b) => (d(a) ?? 1e12) - (d(b) ?? 1e12) || a.name.localeCompare(b.name, "zh-CN"));
  const line = (u: OrgUnit) => (
    <>
      <span class="main">
        <span class="name">{u.name}</span>
        <span class="sub">{u.station?.address}</span>
        {/* Under the name, not beside it: on a narrow phone the name keeps the width. */}
        {(u.station?.standard || u.station?.demonstration) && (
          <span class="tags">
            {u.station?.standard && <span class="badge">{vocab(`std_${u.station.standard}`)}</span>}
            {u.station?.demonstration && <span class="badge">{t("demo")}</span>}
          </span>
        )}
      </span>
      {d(u) !== null && <span class="side">{formatDistance(d(u)!)}</span>}
    </>
  );
  if (selected) {
    return (
      <div class="item selected" data-testid="station-selected" data-id={selected.id}>
        {line(selected)}
        <button type="button" class="btn btn-small" onClick={() => onSelect(null)}>
          {ft("change")}
        </button>
      </div>
    );
  }
  return (
    <div>
      <h2>{t("pick")}</h2>
      {below.length > 6 && <SearchBox value={q} onInput={setQ} />}
      {!below.length && <p class="notice">{t("none")}</p>}
      <ul class="list">
        {shown.map((u) => (
          <li key={u.id}>
            <button type="button" class="item" data-testid="station-item" data-id={u.id} onClick={() => onSelect(u.id)}>
              {line(u)}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
