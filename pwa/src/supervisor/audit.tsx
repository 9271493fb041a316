// The audit log as sentences: who did what to which named thing, with the old and new value of
// each change; filters by person, action, thing and time. Used by the admin screen and by the
// pages of single things (a task's history).
import { useState } from "preact/hooks";
import { AUDIT_ACTIONS, AUDIT_ENTITIES, type Page, type UserAdmin } from "../api";
import type { components } from "../api-schema";
import { colon } from "../i18n";
import { query } from "../router";
import { Failed, day, fieldName, get, useLoad, when } from "./common";
import { label, t } from "./i18n";

/** An audit entry as GET /audit-log answers it. */
export type AuditRow = components["schemas"]["AuditOut"];

const has = (key: string) => label("", key) !== key;
const actionWord = (a: string) => (has(`a_${a}`) ? label("a_", a) : a.replace(/_/g, " "));

/** A stored value as a person reads it: codes become words, times become dates. */
function shown(field: string, v: unknown): string {
  if (v === null || v === undefined || v === "") return "—";
  const s = String(v);
  if (field === "role") return label("role_", s);
  if (field === "kind") return label("k_", s);
  if (field === "protection_level") return label("pl_", s);
  if (field === "category") return label("cat_", s);
  if (field === "is_active") return s === "true" ? t("active") : t("disabled");
  if (field === "due_at" || /^\d{4}-\d\d-\d\dT/.test(s)) return day(s);
  return s;
}

/** The finer points of one entry, one line each. */
export function details(r: AuditRow): string[] {
  const d = r.detail ?? {};
  const out: string[] = [];
  const changes = d.changes as Record<string, [unknown, unknown]> | undefined;
  if (changes)
    for (const [f, [a, b]] of Object.entries(changes))
      out.push(t("s_change", { field: fieldName(f), a: shown(f, a), b: shown(f, b) }));
  if (d.field && "old" in d)
    out.push(
      t("s_change", {
        field: fieldName(d.field === "assignee" ? "assignee_id" : String(d.field)),
        a: shown(String(d.field), d.old),
        b: shown(String(d.field), d.new),
      }),
    );
  if (!changes && Array.isArray(d.changed) && d.changed.length)
    out.push(d.changed.map((f) => fieldName(String(f))).join("、"));
  if (typeof d.count === "number") out.push(t("s_count", { n: d.count }));
  if (typeof d.created === "number")
    out.push(t("s_counts", { c: d.created, u: Number(d.updated ?? 0), n: Number(d.unchanged ?? 0) }));
  if (d.decision)
    out.push(t("s_decision", { d: d.decision === "approve" ? label("st_", "approved") : label("st_", "returned") }));
  if (d.comment) out.push(t("s_comment", { c: String(d.comment) }));
  if (d.period_from) {
    // The stored end is the midnight after the last day the export holds: say that last day.
    const end = Date.parse(String(d.period_to));
    const last = Number.isNaN(end) ? d.period_to : new Date(end - 1).toISOString();
    out.push(t("s_period", { a: shown("", d.period_from), b: shown("", last) }));
  }
  if (d.role && r.action === "user_create") out.push(`${fieldName("role")}${colon()}${label("role_", String(d.role))}`);
  return out;
}

/** "赵建国 改派整改「红军烈士陵园」". */
export function sentence(r: AuditRow): string {
  const who = r.actor_name || r.actor_username || t("someone");
  const thing = r.entity_name || (r.entity && has(`en_${r.entity}`) ? label("en_", r.entity) : "");
  const self = r.entity === "user" && r.entity_id === r.actor_id; // a login names nobody twice
  return thing && !self
    ? t("s_did_to", { who, action: actionWord(r.action), thing })
    : t("s_did", { who, action: actionWord(r.action) });
}

export function AuditList({ rows }: { rows: AuditRow[] }) {
  return (
    <ul class="sv-audit" data-testid="audit-list">
      {rows.map((r) => (
        <li data-testid="audit-row" data-action={r.action}>
          <span class="when">{when(r.at)}</span> <span data-testid="audit-sentence">{sentence(r)}</span>
          {r.ip && (
            <span class="muted small">
              {" "}
              · {t("ip")} {r.ip}
            </span>
          )}
          {details(r).length > 0 && (
            <ul class="changes">
              {details(r).map((x) => (
                <li>{x}</li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ul>
  );
}

const dayStart = (d: string, end: boolean) =>
  d ? new Date(new Date(`${d}T00:00:00+08:00`).getTime() + (end ? 86_400_000 : 0)).toISOString() : undefined;

/** The admin screen's log: filters by person, action, thing and time; pages of 100. */
export function AuditScreen() {
  const [f, setF] = useState<Record<string, string>>(() => {
    const q = query();
    return {
      actor_id: q.actor_id ?? "",
      action: q.action ?? "",
      entity: q.entity ?? "",
      entity_id: q.entity_id ?? "",
      from: "",
      to: "",
      q: "",
    };
  });
  const [rows, setRows] = useState<AuditRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [people] = useLoad(() => get<Page<UserAdmin>>("/users"), []);
  const params = () => ({
    actor_id: f.actor_id,
    action: f.action,
    entity: f.entity,
    entity_id: f.entity_id,
    q: f.q,
    from: dayStart(f.from, false),
    to: dayStart(f.to, true),
    limit: 100,
  });
  const [page, error, reload] = useLoad(async () => {
    setAsked(JSON.stringify(f));
    const out = await get<Page<AuditRow>>("/audit-log", params());
    setRows(out.items);
    setCursor(out.next_cursor);
    return { ...out, asked: JSON.stringify(f) };
  }, [JSON.stringify(f)]);
  const [asked, setAsked] = useState("");
  // Rows of the previous filter are greyed until the new answer arrives, never shown as its result.
  const stale = !page || page.asked !== asked;
  const more = async () => {
    const page = await get<Page<AuditRow>>("/audit-log", { ...params(), cursor });
    setRows([...rows, ...page.items]);
    setCursor(page.next_cursor);
  };
  const set = (k: string, v: string) => setF({ ...f, [k]: v, ...(k === "entity" ? { entity_id: "" } : {}) });
  return (
    <section data-testid="admin-audit">
      <div class="sv-filters">
        <label class="sv-filter">
          <span>{t("who")}</span>
          <select data-testid="audit-actor" value={f.actor_id} onChange={(e) => set("actor_id", e.currentTarget.value)}>
            <option value="">{t("anyone")}</option>
            {(people?.items ?? []).map((p) => (
              <option value={p.id}>
                {p.display_name} · {p.username}
              </option>
            ))}
          </select>
        </label>
        <label class="sv-filter">
          <span>{t("action")}</span>
          <select data-testid="audit-action" value={f.action} onChange={(e) => set("action", e.currentTarget.value)}>
            <option value="">{t("anyAction")}</option>
            {AUDIT_ACTIONS.map((a) => (
              <option value={a}>{actionWord(a)}</option>
            ))}
          </select>
        </label>
        <label class="sv-filter">
          <span>{t("thing")}</span>
          <select data-testid="audit-entity" value={f.entity} onChange={(e) => set("entity", e.currentTarget.value)}>
            <option value="">{t("anything")}</option>
            {AUDIT_ENTITIES.map((x) => (
              <option value={x}>{label("en_", x)}</option>
            ))}
          </select>
        </label>
        <label class="sv-filter">
          <span>{t("from")}</span>
          <input
            type="date"
            data-testid="audit-from"
            value={f.from}
            onChange={(e) => set("from", e.currentTarget.value)}
          />
        </label>
        <label class="sv-filter">
          <span>{t("to")}</span>
          <input type="date" data-testid="audit-to" value={f.to} onChange={(e) => set("to", e.currentTarget.value)} />
        </label>
        <label class="sv-filter">
          <span>{t("search")}</span>
          <input
            type="text"
            data-testid="audit-search"
            placeholder={t("auditFindHint")}
            value={f.q}
            onChange={(e) => set("q", e.currentTarget.value)}
          />
        </label>
      </div>
      {f.entity_id && rows[0]?.entity_name && (
        <p class="notice">
          {label("en_", f.entity)}
          {colon()}
          {rows[0].entity_name}{" "}
          <button class="btn btn-small" onClick={() => set("entity_id", "")}>
            {t("all")}
          </button>
        </p>
      )}
      {error && <Failed error={error} retry={reload} />}
      {!error && !stale && !rows.length && <p class="muted">{t("none")}</p>}
      <div aria-busy={stale} style={stale ? "opacity:0.5" : undefined}>
        <AuditList rows={rows} />
      </div>
      {cursor && (
        <button class="btn" onClick={() => void more()}>
          {t("more")}
        </button>
      )}
    </section>
  );
}
