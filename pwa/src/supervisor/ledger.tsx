// The registers (台账): memorial facilities and visit subjects in tables, each opening on its own
// page to be edited; CSV import with a template file and every bad field of every row listed.
import { useState } from "preact/hooks";
import {
  FACILITY_KINDS,
  PROTECTION_LEVELS,
  SUBJECT_CATEGORIES,
  request,
  type Facility,
  type OrgUnit,
  type Page,
  type Subject,
  type UserAdmin,
} from "../api";
import type { components } from "../api-schema";
import { colon, useLang } from "../i18n";
import { go, type Params } from "../router";
import { refreshScope, session } from "../session";
import { useValue } from "../store";
import {
  Failed,
  UnitOptions,
  day,
  download,
  errText,
  fieldName,
  get,
  loadUnits,
  post,
  ruleText,
  serverSentence,
  useLoad,
  useWide,
} from "./common";
import { label, t } from "./i18n";
import { refreshCounts } from "./desk";

type Kind = "facilities" | "subjects";
type Schemas = components["schemas"];
/** A bad row of a refused import, with the stable code of what is wrong (`codes`, same order). */
type ImportError = Schemas["RowError"] & Partial<Schemas["RowCode"]>;
const withCodes = (body: Partial<Schemas["ImportErrors"]>): ImportError[] | undefined =>
  body.errors?.map((e, i) => ({ ...e, ...body.codes?.[i] }));
type FullSubject = Subject; // an admin's answer holds the unmasked phone and id number too
type FullFacility = Facility;
const KINDS = FACILITY_KINDS;
const LEVELS = PROTECTION_LEVELS;
const CATEGORIES = SUBJECT_CATEGORIES;

/** A rule in words with the value the file gave, as the server quotes it ('…'), so the row is found. */
const withValue = (rule: string | null, reason: string) => {
  const v = /'([^']*)'/.exec(reason)?.[1];
  return rule && v ? t("ruleWithValue", { m: rule, v }) : rule;
};

function Import({ kind, onDone }: { kind: Kind; onDone: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [dry, setDry] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok?: string; errors?: ImportError[]; detail?: string } | null>(null);
  const send = async () => {
    if (!file) return;
    setBusy(true);
    setResult(null);
    try {
      const res = await fetch(`/api/v1/imports/${kind}${dry ? "?dry_run=true" : ""}`, {
        method: "POST",
        body: file,
        headers: { "Content-Type": "text/csv", Authorization: `Bearer ${session.get()?.token}` },
      });
      const body = (await res.json().catch(() => ({}))) as Partial<Schemas["ImportOut"] & Schemas["ImportErrors"]>;
      if (res.ok) {
        const counts = { c: body.created ?? 0, u: body.updated ?? 0, n: body.unchanged ?? 0 };
        setResult({ ok: dry ? t("checkedCounts", counts) : t("importCounts", counts) });
        if (!dry) {
          void refreshScope().catch(() => undefined);
          onDone();
        }
      } else
        setResult({
          errors: withCodes(body),
          detail:
            serverSentence(body.code, "", String(body.detail ?? "")) ?? t(res.status === 413 ? "err_413" : "err_422"),
        });
    } catch (e) {
      setResult({ detail: errText(e) });
    } finally {
      setBusy(false);
    }
  };
  const errors = result?.errors ?? [];
  return (
    <div class="card" data-testid={`import-${kind}`}>
      <h2>{t("importCsv")}</h2>
      <p class="small">{t("importHint")}</p>
      <div class="row">
        <button
          class="btn btn-small"
          data-testid="import-template"
          onClick={() =>
            void download(`/imports/${kind}/template.csv`, {}).catch((e) => setResult({ detail: errText(e) }))
          }
        >
          {t("template")}
        </button>
        <input
          type="file"
          accept=".csv,text/csv"
          data-testid="import-file"
          aria-label={t("importCsv")}
          onChange={(e) => {
            setFile(e.currentTarget.files?.[0] ?? null);
            setResult(null);
          }}
        />
        <label class="check">
          <input type="checkbox" checked={dry} onChange={(e) => setDry(e.currentTarget.checked)} />
          {t("checkOnly")}
        </label>
        <button class="btn btn-primary" disabled={!file || busy} data-testid="import-send" onClick={() => void send()}>
          {t("importCsv")}
        </button>
      </div>
      {result?.ok && (
        <p class="notice ok-notice" role="status" data-testid="import-ok">
          {result.ok}
        </p>
      )}
      {errors.length > 0 && (
        <div class="notice danger sv-import-errors" role="alert" data-testid="import-errors">
          <p>{t("importFieldErrors", { n: errors.length, rows: new Set(errors.map((e) => e.line)).size })}</p>
          <table class="sv-table">
            <thead>
              <tr>
                <th>{t("colLine")}</th>
                <th>{t("colField")}</th>
                <th>{t("colProblem")}</th>
              </tr>
            </thead>
            <tbody>
              {errors.map((e) => (
                <tr data-testid="import-error" data-line={e.line} data-field={e.field ?? ""}>
                  <td>{t("line", { n: e.line })}</td>
                  <td>{fieldName(e.field)}</td>
                  <td>
                    {withValue(ruleText(e.rule, e.limit), e.reason) ??
                      serverSentence(e.code, e.value, e.reason) ??
                      t("err_422")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {result?.detail && !errors.length && (
        <p class="error" role="alert">
          {result.detail}
        </p>
      )}
    </div>
  );
}

function List({ kind }: { kind: Kind }) {
  const [rows, error, reload] = useLoad(() => get<Page<Facility | Subject>>(`/${kind}`, { limit: 200 }), [kind]);
  const [units] = useLoad(loadUnits, []);
  const unitName = (id: string) => units?.find((u) => u.id === id)?.name ?? "";
  const boss = useValue(session)?.user.role !== "field_worker";
  const one = kind === "facilities" ? "facility" : "subject";
  const [find, setFind] = useState("");
  const [lateOnly, setLateOnly] = useState(false);
  // Overdue first, then by name: what needs someone comes to the top of a long register.
  const shown = (rows?.items ?? [])
    .filter((r) => (!lateOnly || r.overdue) && (!find || r.name.includes(find.trim())))
    .sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.name.localeCompare(b.name, "zh-CN"));
  return (
    <section>
      {boss && (
        <p>
          <a class="btn btn-primary" data-testid="ledger-new" href={`#/ledger/${one}/new`}>
            {kind === "facilities" ? t("newFacility") : t("newSubject")}
          </a>
        </p>
      )}
      {boss && <Import kind={kind} onDone={reload} />}
      <div class="sv-filters">
        <label class="sv-filter">
          <span>{t("findName")}</span>
          <input type="text" data-testid="ledger-find" value={find} onInput={(e) => setFind(e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={lateOnly} onChange={(e) => setLateOnly(e.currentTarget.checked)} />
          {t("overdueOnly")}
        </label>
      </div>
      {error && <Failed error={error} retry={reload} />}
      {rows && !rows.items.length && <p class="muted">{t("none")}</p>}
      <table class="sv-table" data-testid={`ledger-${kind}`}>
        <thead>
          <tr>
            <th>{kind === "facilities" ? t("name") : t("displayName")}</th>
            <th>{kind === "facilities" ? t("type") : t("category")}</th>
            <th>{t("unit")}</th>
            <th>{t("address")}</th>
            {kind === "facilities" ? <th>{t("caretaker")}</th> : <th>{t("phone")}</th>}
            <th>{kind === "facilities" ? t("lastPatrol") : t("lastVisit")}</th>
            <th>{kind === "facilities" ? t("nextDue") : t("nextVisitDue")}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr class="sv-click" data-testid="ledger-row" data-id={r.id} onClick={() => go(`/ledger/${one}/${r.id}`)}>
              <td>
                <a href={`#/ledger/${one}/${r.id}`} onClick={(e) => e.stopPropagation()}>
                  <strong>{r.name}</strong>
                </a>
              </td>
              <td>{"kind" in r ? label("k_", r.kind) : label("cat_", r.category)}</td>
              <td>{unitName(r.org_unit_id)}</td>
              <td>{r.address}</td>
              <td>{"caretaker" in r ? r.caretaker : (r as Subject).phone_masked}</td>
              <td>
                {day("last_patrol_at" in r ? r.last_patrol_at : (r as Subject).last_visit_at) || (
                  <span class="muted">{t("never")}</span>
                )}
              </td>
              <td>
                {day(r.next_due_at)} {r.overdue && <span class="badge overdue">{t("overdue")}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Only the fields that changed are sent; an empty position stays unset for a subject. */
function diff<T extends Record<string, unknown>>(before: T, after: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(after))
    if (JSON.stringify(after[k]) !== JSON.stringify(before[k])) (out as Record<string, unknown>)[k] = after[k];
  return out;
}

/** A person's numbers stay masked until 显示号码 is clicked; only that click is audited (the
 *  server answers the full numbers to GET ?reveal=true and logs it). */
function Numbers({
  item,
  onReveal,
}: {
  item: FullSubject;
  onReveal: (full: { phone: string; id_number: string }) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reveal = async () => {
    setBusy(true);
    setError(null);
    try {
      const full = await get<FullSubject>(`/subjects/${item.id}`, { reveal: "true" });
      onReveal({ phone: full.phone ?? "", id_number: full.id_number ?? "" });
    } catch (e) {
      setError(errText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="sv-numbers" data-testid="masked-numbers">
      <span>
        {t("phone")}
        {colon()}
        <span data-testid="phone-masked">{item.phone_masked || "—"}</span>
      </span>
      <span>
        {t("idNumber")}
        {colon()}
        <span data-testid="id-masked">{item.id_number_masked || "—"}</span>
      </span>
      <button
        type="button"
        class="btn btn-small"
        data-testid="reveal-numbers"
        disabled={busy}
        onClick={() => void reveal()}
      >
        {t("revealNumbers")}
      </button>
      <span class="small muted">{t("revealHint")}</span>
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** A new facility or person: the form starts empty, in the user's own unit. */
const blank = (unit: string) =>
  ({
    id: "new",
    name: "",
    address: "",
    org_unit_id: unit,
    location: null,
    kind: "monument",
    protection_level: "county",
    caretaker: "",
    patrol_interval_days: 30,
    protection_boundary: "",
    geofence_m: "",
    category: "martyr_family",
    phone: "",
    id_number: "",
    contact_user_id: null,
    notes: "",
    next_due_at: "",
    overdue: false,
  }) as unknown as FullFacility & FullSubject;

function Editor({ kind, id }: { kind: "facility" | "subject"; id: string }) {
  const isNew = id === "new";
  const path = kind === "facility" ? `/facilities/${id}` : `/subjects/${id}`;
  const own = useValue(session)?.user.org_unit_id ?? "";
  const [item, error, reload] = useLoad(
    async () => (isNew ? blank(own) : get<FullFacility & FullSubject>(path)),
    [path],
  );
  const [units] = useLoad(loadUnits, []);
  const [people] = useLoad(
    () => get<Page<UserAdmin>>("/users", { active: "true" }).catch(() => ({ items: [], next_cursor: null })),
    [],
  );
  const [form, setForm] = useState<Record<string, string> | null>(null);
  const [msg, setMsg] = useState<{ ok: boolean; text: string; field?: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [numbers, setNumbers] = useState<{ phone: string; id_number: string } | null>(null);
  const boss = useValue(session)?.user.role !== "field_worker";
  if (error) return <Failed error={error} retry={reload} />;
  if (!item || !units) return <p>{t("loading")}</p>;
  const start: Record<string, string> = {
    name: item.name,
    address: item.address ?? "",
    org_unit_id: item.org_unit_id,
    lat: item.location ? String(item.location.lat) : "",
    lon: item.location ? String(item.location.lon) : "",
    ...(kind === "facility"
      ? {
          kind: item.kind,
          protection_level: item.protection_level,
          caretaker: item.caretaker ?? "",
          patrol_interval_days: String(item.patrol_interval_days),
          protection_boundary: item.protection_boundary ?? "",
          geofence_m: String(item.geofence_m),
        }
      : {
          category: item.category,
          contact_user_id: item.contact_user_id ?? "",
          notes: item.notes ?? "",
          ...(numbers ?? {}),
        }),
  };
  const f = form ?? start;
  const set = (k: string, v: string) => setForm({ ...f, [k]: v });
  const body = (x: Record<string, string>) => {
    const { lat, lon, ...rest } = x;
    const out: Record<string, unknown> = { ...rest };
    for (const k of ["patrol_interval_days", "geofence_m"])
      if (k in out) out[k] = out[k] === "" ? undefined : Number(out[k]);
    if ("contact_user_id" in out) out.contact_user_id = out.contact_user_id || null;
    out.location = lat.trim() || lon.trim() ? { lat: Number(lat), lon: Number(lon) } : null;
    return out;
  };
  const create = async () => {
    const all = body(f);
    if (kind === "subject" && !all.contact_user_id) delete all.contact_user_id;
    setBusy(true);
    setMsg(null);
    try {
      const made = await post<Facility | Subject>(kind === "facility" ? "/facilities" : "/subjects", all);
      void refreshCounts();
      void refreshScope().catch(() => undefined);
      setForm(null);
      go(`/ledger/${kind}/${made.id}`, true);
    } catch (x) {
      setMsg({ ok: false, text: errText(x), field: (x as { field?: string }).field });
    } finally {
      setBusy(false);
    }
  };
  const save = async (e: Event) => {
    e.preventDefault();
    if (isNew) {
      await create();
      return;
    }
    const changed = diff(body(start), body(f));
    if (!Object.keys(changed).length) {
      setMsg({ ok: true, text: t("noChange") });
      return;
    }
    setBusy(true);
    setMsg(null);
    try {
      await request("PATCH", path, { json: changed });
      setMsg({ ok: true, text: t("saved") });
      setForm(null);
      if (numbers)
        setNumbers({ phone: f.phone ?? numbers.phone, id_number: (f.id_number ?? numbers.id_number).toUpperCase() });
      reload();
      void refreshCounts();
      void refreshScope().catch(() => undefined);
    } catch (x) {
      setMsg({ ok: false, text: errText(x), field: (x as { field?: string }).field });
    } finally {
      setBusy(false);
    }
  };
  const input = (k: string, name: string, type = "text", hint?: string) => (
    <label>
      {name}
      <input
        type={type}
        step={type === "number" ? "any" : undefined}
        data-testid={`edit-${k}`}
        value={f[k]}
        disabled={!boss}
        aria-invalid={msg?.field?.startsWith(k === "lat" || k === "lon" ? "location" : k) || undefined}
        onInput={(e) => set(k, e.currentTarget.value)}
      />
      {hint && <span class="small muted">{hint}</span>}
    </label>
  );
  const select = (k: string, name: string, options: [string, string][]) => (
    <label>
      {name}
      <select data-testid={`edit-${k}`} value={f[k]} disabled={!boss} onChange={(e) => set(k, e.currentTarget.value)}>
        {options.map(([v, l]) => (
          <option value={v}>{l}</option>
        ))}
      </select>
    </label>
  );
  return (
    <div class="sv" data-testid={`${kind}-page`} data-id={id}>
      <p>
        <a href={`#/ledger/${kind === "facility" ? "facilities" : "subjects"}`}>← {t("back")}</a>
      </p>
      <h1>{isNew ? (kind === "facility" ? t("newFacility") : t("newSubject")) : item.name}</h1>
      {!isNew && (
        <p class="muted">
          {kind === "facility" ? label("k_", item.kind) : label("cat_", item.category)} ·{" "}
          {units.find((u: OrgUnit) => u.id === item.org_unit_id)?.name} ·{" "}
          {kind === "facility" ? t("nextDue") : t("nextVisitDue")} {day(item.next_due_at)}{" "}
          {item.overdue && <span class="badge overdue">{t("overdue")}</span>} ·{" "}
          <a href={`#/admin/audit?entity=${kind}&entity_id=${id}`}>{t("history")}</a>
        </p>
      )}
      {kind === "subject" && !isNew && !numbers && boss && (
        <Numbers
          item={item}
          onReveal={(full) => {
            setNumbers(full);
            if (form) setForm({ ...form, ...full });
          }}
        />
      )}
      <form class="stack" onSubmit={save}>
        <div class="sv-form">
          {input("name", kind === "facility" ? t("name") : t("displayName"))}
          {kind === "facility"
            ? select(
                "kind",
                t("type"),
                KINDS.map((k) => [k, label("k_", k)]),
              )
            : select(
                "category",
                t("category"),
                CATEGORIES.map((k) => [k, label("cat_", k)]),
              )}
          {kind === "facility" &&
            select(
              "protection_level",
              t("level"),
              LEVELS.map((k) => [k, label("pl_", k)]),
            )}
          <label>
            {t("unit")}
            <select
              data-testid="edit-org_unit_id"
              value={f.org_unit_id}
              disabled={!boss}
              onChange={(e) => set("org_unit_id", e.currentTarget.value)}
            >
              <UnitOptions units={units} />
            </select>
          </label>
          {input("address", t("address"))}
          {input("lat", t("lat"), "number", t("latLonHint"))}
          {input("lon", t("lon"), "number")}
          {kind === "facility" && input("caretaker", t("caretaker"))}
          {kind === "facility" && input("patrol_interval_days", t("interval"), "number")}
          {kind === "facility" && input("protection_boundary", fieldName("protection_boundary"))}
          {kind === "subject" && (numbers || isNew) && input("phone", t("phone"), "tel", t("phoneHint"))}
          {kind === "subject" && (numbers || isNew) && input("id_number", t("idNumber"), "text", t("idNumberHint"))}
          {kind === "subject" &&
            select("contact_user_id", t("contact"), [
              ["", t("noOwner")],
              ...(people?.items ?? []).map((p): [string, string] => [p.id, p.display_name]),
            ])}
          {kind === "subject" && input("notes", t("notes"))}
        </div>
        {msg && (
          <p
            class={msg.ok ? "notice ok-notice" : "notice danger"}
            role={msg.ok ? "status" : "alert"}
            data-testid="edit-message"
          >
            {msg.text}
          </p>
        )}
        {boss ? (
          <div class="row">
            <button class="btn btn-primary" type="submit" data-testid="edit-save" disabled={busy}>
              {t("save")}
            </button>
            {form && !isNew && (
              <button
                class="btn"
                type="button"
                onClick={() => {
                  setForm(null);
                  setMsg(null);
                }}
              >
                {t("cancel")}
              </button>
            )}
          </div>
        ) : (
          <p class="muted">{t("forbidden")}</p>
        )}
      </form>
    </div>
  );
}

const TABS: Kind[] = ["facilities", "subjects"];

export default function Ledger({ params }: { params: Params }) {
  useWide();
  useLang();
  if (params.kind && params.id)
    return <Editor kind={params.kind === "subject" ? "subject" : "facility"} id={params.id} />;
  const tab: Kind = params.tab === "subjects" ? "subjects" : "facilities";
  return (
    <div class="sv" data-testid="ledger">
      <h1>{t("ledger")}</h1>
      <nav class="sv-tabs">
        {TABS.map((x) => (
          <button
            class={`btn btn-small${x === tab ? " btn-primary" : ""}`}
            aria-pressed={x === tab}
            data-testid={`tab-${x}`}
            onClick={() => go(`/ledger/${x}`, true)}
          >
            {x === "facilities" ? t("facilities") : t("subjects")}
          </button>
        ))}
      </nav>
      <List kind={tab} key={tab} />
    </div>
  );
}
