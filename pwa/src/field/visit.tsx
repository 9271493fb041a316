// New home visit (and correcting a returned one): person, type, what happened, needs, what was
// given, follow-up, photos or a reason for none (a photo with the person is never required).
import { useEffect, useMemo, useState } from "preact/hooks";
import {
  AWARD_GRADES,
  AWARD_VISIT_TYPE,
  VISIT_TYPES,
  type AwardGrade,
  type Subject,
  type VisitIn,
  type VisitType,
} from "../api";
import { useLang } from "../i18n";
import { vocab } from "../vocabulary-i18n";
import { evidenceRules, type Site } from "../onsite";
import { addressParam, query, type Params } from "../router";
import { subjects } from "../session";
import { useValue } from "../store";
import { distanceM, formatDistance, uuid } from "../util";
import { t, tk } from "./i18n";
import { loadRecord } from "./load-record";
import { DraftBar, loadDraft, useDraft } from "../ui/draft";
import { ft } from "../ui/i18n";
import { FieldError, MAX_PHOTOS, UndoBar, removeExisting } from "../ui/form-parts";
import { PositionBox, RecordPhotos, SaveBar, SearchBox } from "./parts";
import { useRecordForm } from "./record-form";
import { OnSiteWarnings } from "./warnings";
import { ReturnedBanner } from "./returned";

const TYPES = VISIT_TYPES;
const GRADES = AWARD_GRADES;

export default function VisitForm({ params }: { params: Params }) {
  useLang();
  const editing = params.id ?? null;
  const [id] = useState(() => editing ?? addressParam("draft") ?? uuid());
  const [visitedAt, setVisitedAt] = useState(() => new Date().toISOString());
  const [subjectId, setSubjectId] = useState<string | null>(() => query().subject ?? null);
  const [type, setType] = useState<VisitType>(TYPES[0]);
  const [summary, setSummary] = useState("");
  const [needs, setNeeds] = useState("");
  const [cash, setCash] = useState("");
  const [goods, setGoods] = useState("");
  const [followUp, setFollowUp] = useState(false);
  const [grade, setGrade] = useState(GRADES[2]);
  const [coDeliverer, setCoDeliverer] = useState("");
  const [noPhotoReason, setNoPhotoReason] = useState("");
  const [existingPhotos, setExistingPhotos] = useState<string[]>([]);
  const [returned, setReturned] = useState<string | null>(null);
  const { photos, add, remove, restore, position, ready, loaded, setLoaded, busy, saveError, visible, save } =
    useRecordForm("visit", id);
  const subject = useValue(subjects).find((x) => x.id === subjectId);
  const rules = useValue(evidenceRules);

  const state: VisitDraft = {
    visitedAt,
    subjectId,
    type,
    summary,
    needs,
    cash,
    goods,
    followUp,
    grade,
    coDeliverer,
    noPhotoReason,
    existingPhotos,
  };
  const draft = useDraft({
    kind: "visit",
    id,
    route: editing ? `/visit/${id}/edit` : `/visit/new?draft=${id}`,
    label: `${vocab("kind_visit")} · ${subject?.name ?? ft("draftNew")} · ${tk(`vt_${type}`)}`,
    state,
    photos,
    loaded,
    empty:
      !summary.trim() &&
      !needs.trim() &&
      !cash &&
      !goods.trim() &&
      !followUp &&
      !noPhotoReason.trim() &&
      !coDeliverer.trim() &&
      !photos.length,
  });

  useEffect(() => {
    void (async () => {
      const saved = await loadDraft(id).catch(() => null);
      if (saved) {
        const d = saved.entry.state as VisitDraft;
        setVisitedAt(d.visitedAt);
        setSubjectId(d.subjectId);
        setType(d.type);
        setSummary(d.summary);
        setNeeds(d.needs);
        setCash(d.cash);
        setGoods(d.goods);
        setFollowUp(d.followUp);
        setGrade(d.grade);
        setCoDeliverer(d.coDeliverer);
        setNoPhotoReason(d.noPhotoReason);
        setExistingPhotos(d.existingPhotos);
        restore(saved.photos);
        draft.restored(saved);
      }
      const r = editing ? await loadRecord("visit", editing) : null;
      if (r) {
        setReturned(r.returnComment ?? null);
        if (!saved) {
          setVisitedAt(r.visited_at);
          setSubjectId(r.subject_id);
          setType(r.visit_type);
          setSummary(r.summary ?? "");
          setNeeds(r.needs ?? "");
          setCash(r.assistance?.cash_yuan ? String(r.assistance.cash_yuan) : "");
          setGoods(r.assistance?.goods ?? "");
          setFollowUp(!!r.follow_up_needed);
          if (r.award) {
            setGrade(r.award.grade);
            setCoDeliverer(r.award.co_deliverer ?? "");
          }
          setNoPhotoReason(r.no_photo_reason ?? "");
          setExistingPhotos(r.photo_ids ?? []);
        }
      }
      setLoaded(true);
    })();
  }, [editing]);

  const hasPhotos = ready.length + existingPhotos.length > 0;
  const problems: Record<string, string> = {};
  if (!subjectId) problems.subject = t("needSubject");
  if (!summary.trim()) problems.summary = t("needSummary");
  if (!hasPhotos && !noPhotoReason.trim()) problems.photos = t("needPhotoOrReason");
  if (photos.some((p) => p.state === "processing")) problems.photos = ft("processing");
  const shown = visible(problems);
  const submit = () =>
    save(draft, problems, () => {
      const body: VisitIn = {
        subject_id: subjectId!,
        visit_type: type,
        visited_at: visitedAt,
        location: position.fix,
        summary: summary.trim(),
        needs: needs.trim(),
        assistance: { cash_yuan: Math.max(0, Number(cash) || 0), goods: goods.trim() },
        follow_up_needed: followUp,
        photo_ids: [...existingPhotos, ...ready.map((p) => p.photo!.id)],
        no_photo_reason: hasPhotos ? null : noPhotoReason.trim(),
        award: type === AWARD_VISIT_TYPE ? { grade, co_deliverer: coDeliverer.trim() } : null,
      };
      const name = subjects.get().find((s) => s.id === subjectId)?.name ?? "";
      return { body, label: `${vocab("kind_visit")} · ${name} · ${tk(`vt_${type}`)}` };
    });

  const total = photos.length + existingPhotos.length;
  // The home's geofence: the person's own, else the rules' default for homes.
  const fence = subject?.geofence_m ?? rules?.home_geofence_m;
  const site: Site | null =
    subject?.location && fence ? { position: subject.location, geofence_m: fence, noun: "home" } : null;
  return (
    <div data-testid="visit-form" data-record-id={id}>
      <h1>{t("visitTitle")}</h1>
      <DraftBar draft={draft} />
      {editing && <ReturnedBanner comment={returned} />}
      <SubjectPicker selected={subjectId} onSelect={setSubjectId} here={position.fix} />
      <PositionBox {...position} />
      {/* Before a person is chosen the screen is a picker: no form and no save button yet. */}
      {subjectId && (
        <>
          <label class="field" style="margin-top:8px">
            <span class="label">{t("visitType")}</span>
            <select data-testid="visit-type" value={type} onChange={(e) => setType(e.currentTarget.value as VisitType)}>
              {TYPES.map((v) => (
                <option value={v}>{tk(`vt_${v}`)}</option>
              ))}
            </select>
          </label>
          {type === AWARD_VISIT_TYPE && (
            <div class="card">
              <label class="field">
                <span class="label">{t("awardGrade")}</span>
                <select
                  data-testid="award-grade"
                  value={grade}
                  onChange={(e) => setGrade(e.currentTarget.value as AwardGrade)}
                >
                  {GRADES.map((g) => (
                    <option value={g}>{tk(`award_${g}`)}</option>
                  ))}
                </select>
              </label>
              <label class="field">
                <span class="label">{t("coDeliverer")}</span>
                <input
                  type="text"
                  data-testid="award-co-deliverer"
                  value={coDeliverer}
                  onInput={(e) => setCoDeliverer(e.currentTarget.value)}
                />
              </label>
            </div>
          )}
          <label class="field">
            <span class="label">{t("summary")}</span>
            <textarea
              data-testid="visit-summary"
              value={summary}
              onInput={(e) => setSummary(e.currentTarget.value)}
              aria-invalid={shown.summary ? true : undefined}
            />
          </label>
          <FieldError id="summary" text={shown.summary} />
          <label class="field">
            <span class="label">{t("needs")}</span>
            <textarea data-testid="visit-needs" value={needs} onInput={(e) => setNeeds(e.currentTarget.value)} />
          </label>
          <div class="row">
            <label class="field grow">
              <span class="label">{t("cash")}</span>
              <input
                type="number"
                inputMode="decimal"
                min="0"
                step="0.01"
                data-testid="visit-cash"
                value={cash}
                onInput={(e) => setCash(e.currentTarget.value)}
              />
            </label>
          </div>
          <label class="field">
            <span class="label">{t("goods")}</span>
            <input
              type="text"
              data-testid="visit-goods"
              value={goods}
              onInput={(e) => setGoods(e.currentTarget.value)}
            />
          </label>
          <label class="check">
            <input
              type="checkbox"
              data-testid="visit-follow-up"
              checked={followUp}
              onChange={(e) => setFollowUp(e.currentTarget.checked)}
            />
            {t("followUp")}
          </label>
          <RecordPhotos
            total={total}
            photos={photos}
            onRemove={remove}
            existing={existingPhotos}
            onRemoveExisting={(pid) => removeExisting(setExistingPhotos, pid)}
            add={add}
          />
          {!hasPhotos && (
            <label class="field" style="margin-top:14px">
              <span class="label">{t("noPhotoReason")}</span>
              <span class="hint">{t("noPhotoHint")}</span>
              <textarea
                data-testid="visit-no-photo-reason"
                value={noPhotoReason}
                onInput={(e) => setNoPhotoReason(e.currentTarget.value)}
              />
            </label>
          )}
          <FieldError id="photos" text={shown.photos} />
          <OnSiteWarnings
            site={site}
            position={position}
            photos={photos}
            numberFrom={existingPhotos.length}
            start={visitedAt}
            needsPhoto={!existingPhotos.length && !noPhotoReason.trim()}
            issuesWithoutPhoto={[]}
            onRemove={remove}
            onAdd={(files, fix) => add(files.slice(0, MAX_PHOTOS - total), fix)}
          />
          <FieldError id="save" text={saveError} />
          <UndoBar />
          <SaveBar problems={Object.keys(shown).length} busy={busy} onSave={submit} />
        </>
      )}
    </div>
  );
}

interface VisitDraft {
  visitedAt: string;
  subjectId: string | null;
  type: VisitType;
  summary: string;
  needs: string;
  cash: string;
  goods: string;
  followUp: boolean;
  grade: AwardGrade;
  coDeliverer: string;
  noPhotoReason: string;
  existingPhotos: string[];
}

function SubjectPicker({
  selected,
  onSelect,
  here,
}: {
  selected: string | null;
  onSelect: (id: string | null) => void;
  here: { lat: number; lon: number } | null;
}) {
  const all = useValue(subjects);
  const [q, setQ] = useState("");
  const dist = (s: Subject) => (here && s.location ? distanceM(here, s.location) : null);
  const sorted = useMemo(
    () =>
      all
        .filter((s) => !q || s.name.includes(q) || s.address.includes(q))
        .map((s) => ({ s, d: dist(s) }))
        .sort((a, b) =>
          a.d !== null && b.d !== null
            ? a.d - b.d
            : a.d !== null
              ? -1
              : b.d !== null
                ? 1
                : Number(b.s.overdue) - Number(a.s.overdue) || a.s.name.localeCompare(b.s.name, "zh-CN"),
        ),
    [all, here, q],
  );
  const chosen = all.find((s) => s.id === selected);
  if (chosen) {
    return (
      <div class="item selected" data-testid="subject-selected" data-id={chosen.id}>
        <SubjectLine s={chosen} d={dist(chosen)} />
        <button type="button" class="btn btn-small" onClick={() => onSelect(null)}>
          {t("change")}
        </button>
      </div>
    );
  }
  return (
    <div>
      <h2>{t("pickSubject")}</h2>
      {all.length > 6 && <SearchBox value={q} onInput={setQ} />}
      {!all.length && <p class="notice">{t("noSubjects")}</p>}
      <ul class="list">
        {sorted.map(({ s, d }) => (
          <li key={s.id}>
            <button type="button" class="item" data-testid="subject-item" data-id={s.id} onClick={() => onSelect(s.id)}>
              <SubjectLine s={s} d={d} />
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function SubjectLine({ s, d }: { s: Subject; d: number | null }) {
  return (
    <>
      <span class="main">
        <span class="name">{s.name}</span>
        <span class="sub">{[tk(`cat_${s.category}`, s.category), s.address].filter(Boolean).join(" · ")}</span>
      </span>
      <span class="side">
        {d !== null && <div>{formatDistance(d)}</div>}
        {s.overdue && <span class="badge overdue">{t("overdue")}</span>}
      </span>
    </>
  );
}
