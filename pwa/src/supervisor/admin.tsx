// Administration: users (admin), org units, facilities and subjects with CSV import, and the audit
// log. Supervisors see the parts their role allows (import, audit log of their scope).
import { useState } from "preact/hooks";
import { request, type Facility, type OrgUnit, type Page, type Subject } from "../api";
import { useLang } from "../i18n";
import { go, type Params } from "../router";
import { refreshScope, session } from "../session";
import { useValue } from "../store";
import { Failed, errText, get, post, useLoad, useWide, when } from "./common";
import { label, t } from "./i18n";

interface UserRow { id: string; username: string; display_name: string; role: string; org_unit_id: string; is_active: boolean }
interface AuditRow { id: number; at: string; actor_username: string; ip: string; action: string; entity: string; entity_id: string; detail: Record<string, unknown> }
interface ImportError { line: number; field: string | null; reason: string }

const loadUnits = async () => {
  const u = await get<OrgUnit[] | Page<OrgUnit>>("/org-units");
  return Array.isArray(u) ? u : u.items;
};

function Users({ units }: { units: OrgUnit[] }) {
  const [rows, error, reload] = useLoad(() => get<Page<UserRow>>("/users"), []);
  const [form, setForm] = useState({ username: "", display_name: "", password: "", role: "field_worker", org_unit_id: units[0]?.id ?? "" });
  const [msg, setMsg] = useState<string | null>(null);
  const unitName = (id: string) => units.find((u) => u.id === id)?.name ?? "";
  const act = async (fn: () => Promise<unknown>) => {
    setMsg(null);
    try { await fn(); setMsg(t("saved")); reload(); } catch (e) { setMsg(errText(e)); }
  };
  const patch = (id: string, body: object) => act(() => request("PATCH", `/users/${id}`, { json: body }));
  return (
    <section data-testid="admin-users">
      {error && <Failed error={error} retry={reload} />}
      {msg && <p class="notice" role="status">{msg}</p>}
      <table class="sv-table">
        <thead><tr><th>{t("username")}</th><th>{t("displayName")}</th><th>{t("role")}</th><th>{t("unit")}</th><th>{t("status")}</th><th /></tr></thead>
        <tbody>
          {(rows?.items ?? []).map((u) => (
            <tr data-testid="user-row" data-username={u.username}>
              <td>{u.username}</td><td>{u.display_name}</td>
              <td><select value={u.role} onChange={(e) => void patch(u.id, { role: e.currentTarget.value })}>
                {["field_worker", "supervisor", "admin"].map((r) => <option value={r}>{label("role_", r)}</option>)}</select></td>
              <td><select value={u.org_unit_id} onChange={(e) => void patch(u.id, { org_unit_id: e.currentTarget.value })}>
                {units.map((x) => <option value={x.id}>{x.name}</option>)}</select><span class="sr-only">{unitName(u.org_unit_id)}</span></td>
              <td>{u.is_active ? t("active") : <span class="badge overdue">{t("disabled")}</span>}</td>
              <td class="row">
                <button class="btn btn-small" data-testid="toggle-active" onClick={() => void patch(u.id, { is_active: !u.is_active })}>{u.is_active ? t("disable") : t("enable")}</button>
                <button class="btn btn-small" onClick={() => {
                  const pw = prompt(t("newPassword"));
                  if (pw) void act(() => request("POST", `/users/${u.id}/password`, { json: { password: pw } }));
                }}>{t("resetPassword")}</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{t("create")}</h2>
      <form class="sv-filters" onSubmit={(e) => { e.preventDefault(); void act(() => post("/users", form)); }}>
        <label class="sv-filter"><span>{t("username")}</span><input type="text" value={form.username} onInput={(e) => setForm({ ...form, username: e.currentTarget.value })} /></label>
        <label class="sv-filter"><span>{t("displayName")}</span><input type="text" value={form.display_name} onInput={(e) => setForm({ ...form, display_name: e.currentTarget.value })} /></label>
        <label class="sv-filter"><span>{t("password")}</span><input type="password" value={form.password} onInput={(e) => setForm({ ...form, password: e.currentTarget.value })} /></label>
        <label class="sv-filter"><span>{t("role")}</span><select value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value })}>
          {["field_worker", "supervisor", "admin"].map((r) => <option value={r}>{label("role_", r)}</option>)}</select></label>
        <label class="sv-filter"><span>{t("unit")}</span><select value={form.org_unit_id} onChange={(e) => setForm({ ...form, org_unit_id: e.currentTarget.value })}>
          {units.map((x) => <option value={x.id}>{x.name}</option>)}</select></label>
        <button class="btn btn-primary" type="submit">{t("create")}</button>
      </form>
    </section>
  );
}

function Units({ units, reload }: { units: OrgUnit[]; reload: () => void }) {
  const [parent, setParent] = useState("");
  const [name, setName] = useState("");
  const [msg, setMsg] = useState<string | null>(null);
  const admin = useValue(session)?.user.role === "admin";
  const depth = (u: OrgUnit): number => (u.parent_id ? 1 + depth(units.find((x) => x.id === u.parent_id) ?? { ...u, parent_id: null }) : 0);
  return (
    <section data-testid="admin-units">
      <ul class="sv-tree">{units.map((u) => <li style={{ paddingLeft: `${depth(u) * 24}px` }}>{u.name} <span class="muted small">{u.level}</span></li>)}</ul>
      {admin && (
        <form class="sv-filters" onSubmit={async (e) => {
          e.preventDefault();
          try { await post("/org-units", { name, parent_id: parent }); setName(""); setMsg(t("saved")); reload(); } catch (x) { setMsg(errText(x)); }
        }}>
          <label class="sv-filter"><span>{t("addUnit")}</span><select value={parent} onChange={(e) => setParent(e.currentTarget.value)}>
            <option value="" />{units.filter((u) => u.level !== "community").map((u) => <option value={u.id}>{u.name}</option>)}</select></label>
          <label class="sv-filter"><span>{t("unitName")}</span><input type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
          <button class="btn btn-primary" type="submit">{t("create")}</button>
          {msg && <span>{msg}</span>}
        </form>
      )}
    </section>
  );
}

function Import({ kind }: { kind: "facilities" | "subjects" }) {
  const [file, setFile] = useState<File | null>(null);
  const [dry, setDry] = useState(false);
  const [result, setResult] = useState<{ ok?: string; errors?: ImportError[]; detail?: string } | null>(null);
  const send = async () => {
    if (!file) return;
    const res = await fetch(`/api/v1/imports/${kind}${dry ? "?dry_run=true" : ""}`, {
      method: "POST", body: file, headers: { "Content-Type": "text/csv", Authorization: `Bearer ${session.get()?.token}` },
    });
    const body = await res.json().catch(() => ({}));
    if (res.ok) {
      setResult({ ok: dry ? t("checkedOk", { n: body.checked }) : t("imported", { n: body.imported }) });
      if (!dry) void refreshScope().catch(() => undefined);
    } else setResult({ errors: body.errors, detail: body.detail });
  };
  return (
    <div class="card" data-testid={`import-${kind}`}>
      <h2>{t("importCsv")}</h2>
      <p class="small muted">{t("importHint")}</p>
      <div class="row">
        <input type="file" accept=".csv,text/csv" data-testid="import-file" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
        <label class="check"><input type="checkbox" checked={dry} onChange={(e) => setDry(e.currentTarget.checked)} />{t("checkOnly")}</label>
        <button class="btn btn-primary" disabled={!file} data-testid="import-send" onClick={() => void send()}>{t("importCsv")}</button>
      </div>
      {result?.ok && <p class="notice ok-notice" data-testid="import-ok">{result.ok}</p>}
      {result?.errors && (
        <div class="notice danger" data-testid="import-errors">
          <p>{t("importErrors", { n: result.errors.length })}</p>
          <ul>{result.errors.map((e) => <li>{t("line", { n: e.line })}{e.field ? ` · ${e.field}` : ""}：{e.reason}</li>)}</ul>
        </div>
      )}
      {result && !result.ok && !result.errors && <p class="error">{result.detail}</p>}
    </div>
  );
}

function Places({ kind }: { kind: "facilities" | "subjects" }) {
  const [rows, error, reload] = useLoad(() => get<Page<Facility | Subject>>(`/${kind}`, { limit: 200 }), [kind]);
  return (
    <section>
      <Import kind={kind} />
      {error && <Failed error={error} retry={reload} />}
      <table class="sv-table">
        <thead><tr><th>{t("name")}</th><th>{kind === "facilities" ? t("type") : t("category")}</th><th>{t("address")}</th>{kind === "subjects" && <th>{t("phone")}</th>}<th /></tr></thead>
        <tbody>
          {(rows?.items ?? []).map((r) => (
            <tr>
              <td>{r.name}</td>
              <td>{"kind" in r ? label("k_", r.kind) : label("cat_", r.category)}</td>
              <td>{r.address}</td>
              {"phone_masked" in r && <td>{r.phone_masked}</td>}
              <td>{r.overdue && <span class="badge overdue">{t("overdue")}</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Audit() {
  const [q, setQ] = useState("");
  const [search, setSearch] = useState("");
  const [rows, setRows] = useState<AuditRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [, error, reload] = useLoad(async () => {
    const page = await get<Page<AuditRow>>("/audit-log", { q: search, limit: 100 });
    setRows(page.items);
    setCursor(page.next_cursor);
    return page;
  }, [search]);
  const more = async () => {
    const page = await get<Page<AuditRow>>("/audit-log", { q: search, limit: 100, cursor });
    setRows([...rows, ...page.items]);
    setCursor(page.next_cursor);
  };
  return (
    <section data-testid="admin-audit">
      <form class="row" onSubmit={(e) => { e.preventDefault(); setSearch(q); }}>
        <input type="search" class="grow" data-testid="audit-search" placeholder={t("searchHint")} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <button class="btn" type="submit">{t("search")}</button>
      </form>
      {error && <Failed error={error} retry={reload} />}
      <table class="sv-table small">
        <thead><tr><th>{t("time")}</th><th>{t("username")}</th><th>{t("action")}</th><th>{t("entity")}</th><th>{t("ip")}</th><th>{t("detail")}</th></tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr data-testid="audit-row"><td>{when(r.at)}</td><td>{r.actor_username}</td><td>{r.action}</td><td>{r.entity} {r.entity_id.slice(0, 8)}</td><td>{r.ip}</td>
              <td><code>{Object.keys(r.detail).length ? JSON.stringify(r.detail) : ""}</code></td></tr>
          ))}
        </tbody>
      </table>
      {cursor && <button class="btn" onClick={() => void more()}>{t("more")}</button>}
    </section>
  );
}

const TABS = [
  { id: "users", label: () => t("users"), admin: true },
  { id: "units", label: () => t("orgUnits"), admin: false },
  { id: "facilities", label: () => t("facilities"), admin: false },
  { id: "subjects", label: () => t("subjects"), admin: false },
  { id: "audit", label: () => t("auditLog"), admin: false },
];

export default function Admin({ params }: { params: Params }) {
  useWide();
  useLang();
  const role = useValue(session)?.user.role;
  const tabs = TABS.filter((x) => !x.admin || role === "admin");
  const tab = tabs.find((x) => x.id === params.tab)?.id ?? tabs[0].id;
  const [units, error, reload] = useLoad(loadUnits, []);
  return (
    <div class="sv" data-testid="admin">
      <h1>{t("admin")}</h1>
      <nav class="sv-tabs">
        {tabs.map((x) => <button class={`btn btn-small${x.id === tab ? " btn-primary" : ""}`} data-testid={`tab-${x.id}`} onClick={() => go(`/admin/${x.id}`, true)}>{x.label()}</button>)}
      </nav>
      {error && <Failed error={error} retry={reload} />}
      {units && tab === "users" && <Users units={units} />}
      {units && tab === "units" && <Units units={units} reload={reload} />}
      {tab === "facilities" && <Places kind="facilities" />}
      {tab === "subjects" && <Places kind="subjects" />}
      {tab === "audit" && <Audit />}
    </div>
  );
}
