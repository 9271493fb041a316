// Administration: users (admin; changes asked, applied, then said), org units as a tree with their
// levels in words, and the audit log as sentences. Facilities and subjects live in ledger.tsx.
import { useEffect, useState } from "preact/hooks";
import {
  ROLES,
  request,
  type OrgUnit,
  type Page,
  type Role,
  type Schemas,
  type UserAdmin,
  type UserIn,
  type UserPatch,
} from "../api";
import { useLang } from "../i18n";
import { go, type Params } from "../router";
import { session } from "../session";
import { useValue } from "../store";
import { AuditScreen } from "./audit";
import { Failed, UnitOptions, errText, get, loadUnits, post, unitTree, useLoad, useWide } from "./common";
import { label, t } from "./i18n";
import { ReturnReasons } from "./reasons";

interface Pending {
  user: UserAdmin;
  body: UserPatch;
  question: string;
  done: string;
}

function Users({ units }: { units: OrgUnit[] }) {
  const myId = useValue(session)?.user.id;
  const [rows, error, reload] = useLoad(() => get<Page<UserAdmin>>("/users"), []);
  const [form, setForm] = useState<UserIn>({
    username: "",
    display_name: "",
    password: "",
    role: "field_worker",
    org_unit_id: units[0]?.id ?? "",
  });
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [asking, setAsking] = useState<Pending | null>(null);
  const [resetting, setResetting] = useState<{ user: UserAdmin; password: string } | null>(null);
  const unitName = (id: string) => units.find((u) => u.id === id)?.name ?? "";
  const act = async (fn: () => Promise<unknown>, done: string) => {
    setMsg(null);
    try {
      await fn();
      setMsg({ ok: true, text: done });
      reload();
      return true;
    } catch (e) {
      setMsg({ ok: false, text: errText(e) });
      return false;
    }
  };
  // A change of role, unit or state is asked first, then applied, then said.
  const ask = (user: UserAdmin, body: UserPatch) => {
    const name = user.display_name;
    if (body.role)
      setAsking({
        user,
        body,
        question: t("confirmRole", { name, a: label("role_", user.role), b: label("role_", body.role) }),
        done: t("roleChanged", { name, b: label("role_", body.role) }),
      });
    else if (body.org_unit_id)
      setAsking({
        user,
        body,
        question: t("confirmUnit", { name, a: unitName(user.org_unit_id), b: unitName(body.org_unit_id) }),
        done: t("unitChanged", { name, b: unitName(body.org_unit_id) }),
      });
    else if (body.is_active !== undefined)
      setAsking({
        user,
        body,
        question: body.is_active ? t("confirmEnable", { name }) : t("confirmDisable", { name }),
        done: body.is_active ? t("userEnabled", { name }) : t("userDisabled", { name }),
      });
  };
  return (
    <section data-testid="admin-users">
      {error && <Failed error={error} retry={reload} />}
      {msg && (
        <p
          class={msg.ok ? "notice ok-notice" : "notice danger"}
          role={msg.ok ? "status" : "alert"}
          data-testid="admin-message"
        >
          {msg.text}
        </p>
      )}
      {asking && (
        <div class="sv-confirm" role="alertdialog" aria-label={asking.question} data-testid="confirm">
          <p>
            <strong>{asking.question}</strong>
          </p>
          <div class="row">
            <button
              class="btn btn-primary"
              data-testid="confirm-apply"
              onClick={() => {
                const a = asking;
                setAsking(null);
                void act(() => request("PATCH", `/users/${a.user.id}`, { json: a.body }), a.done);
              }}
            >
              {t("apply")}
            </button>
            <button
              class="btn"
              data-testid="confirm-cancel"
              onClick={() => {
                setAsking(null);
                reload();
              }}
            >
              {t("cancel")}
            </button>
          </div>
        </div>
      )}
      {resetting && (
        <form
          class="sv-confirm"
          aria-label={`${t("resetPassword")} · ${resetting.user.display_name}`}
          onSubmit={(e) => {
            e.preventDefault();
            const r = resetting;
            void act(
              () =>
                request("POST", `/users/${r.user.id}/password`, {
                  json: { password: r.password } satisfies Schemas["PasswordIn"],
                }),
              t("passwordReset", { name: r.user.display_name }),
            ).then((ok) => ok && setResetting(null));
          }}
        >
          <label class="sv-filter">
            <span>
              {t("newPassword")} · {resetting.user.display_name}
            </span>
            <input
              type="password"
              autocomplete="new-password"
              data-testid="reset-password"
              value={resetting.password}
              onInput={(e) => setResetting({ ...resetting, password: e.currentTarget.value })}
            />
          </label>
          <div class="row">
            <button class="btn btn-primary" type="submit">
              {t("resetPassword")}
            </button>
            <button class="btn" type="button" onClick={() => setResetting(null)}>
              {t("cancel")}
            </button>
          </div>
        </form>
      )}
      <table class="sv-table">
        <thead>
          <tr>
            <th>{t("username")}</th>
            <th>{t("displayName")}</th>
            <th>{t("role")}</th>
            <th>{t("unit")}</th>
            <th>{t("status")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(rows?.items ?? []).map((u) => {
            const pending = asking?.user.id === u.id ? asking.body : {};
            // One's own role, unit and state are not changed here (the server refuses it too).
            const self = u.id === myId;
            return (
              <tr data-testid="user-row" data-username={u.username} class={asking?.user.id === u.id ? "issue" : ""}>
                <td>{u.username}</td>
                <td>
                  {u.display_name}
                  {self && (
                    <span class="muted small" title={t("selfLocked")}>
                      {t("thisIsYou")}
                    </span>
                  )}
                </td>
                <td>
                  <select
                    data-testid="user-role"
                    aria-label={`${t("role")} · ${u.display_name}`}
                    disabled={self}
                    value={pending.role ?? u.role}
                    onChange={(e) => ask(u, { role: e.currentTarget.value as Role })}
                  >
                    {ROLES.map((r) => (
                      <option value={r}>{label("role_", r)}</option>
                    ))}
                  </select>
                </td>
                <td>
                  <select
                    data-testid="user-unit"
                    aria-label={`${t("unit")} · ${u.display_name}`}
                    disabled={self}
                    value={pending.org_unit_id ?? u.org_unit_id}
                    onChange={(e) => ask(u, { org_unit_id: e.currentTarget.value })}
                  >
                    <UnitOptions units={units} />
                  </select>
                </td>
                <td>{u.is_active ? t("active") : <span class="badge overdue">{t("disabled")}</span>}</td>
                <td class="row">
                  {!self && (
                    <button
                      class="btn btn-small"
                      data-testid="toggle-active"
                      onClick={() => ask(u, { is_active: !u.is_active })}
                    >
                      {u.is_active ? t("disable") : t("enable")}
                    </button>
                  )}
                  {!self && (
                    <button class="btn btn-small" onClick={() => setResetting({ user: u, password: "" })}>
                      {t("resetPassword")}
                    </button>
                  )}
                  {self && (
                    <a class="btn btn-small" href="#/admin/account">
                      {t("changeOwnPassword")}
                    </a>
                  )}
                  <a class="btn btn-small" href={`#/admin/audit?entity=user&entity_id=${u.id}`}>
                    {t("history")}
                  </a>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>{t("create")}</h2>
      <form
        class="sv-filters"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => post("/users", form), t("userCreated", { name: form.display_name }));
        }}
      >
        <label class="sv-filter">
          <span>{t("username")}</span>
          <input
            type="text"
            value={form.username}
            onInput={(e) => setForm({ ...form, username: e.currentTarget.value })}
          />
        </label>
        <label class="sv-filter">
          <span>{t("displayName")}</span>
          <input
            type="text"
            value={form.display_name}
            onInput={(e) => setForm({ ...form, display_name: e.currentTarget.value })}
          />
        </label>
        <label class="sv-filter">
          <span>{t("password")}</span>
          <input
            type="password"
            autocomplete="new-password"
            value={form.password}
            onInput={(e) => setForm({ ...form, password: e.currentTarget.value })}
          />
        </label>
        <label class="sv-filter">
          <span>{t("role")}</span>
          <select value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value as Role })}>
            {ROLES.map((r) => (
              <option value={r}>{label("role_", r)}</option>
            ))}
          </select>
        </label>
        <label class="sv-filter">
          <span>{t("unit")}</span>
          <select value={form.org_unit_id} onChange={(e) => setForm({ ...form, org_unit_id: e.currentTarget.value })}>
            <UnitOptions units={units} />
          </select>
        </label>
        <button class="btn btn-primary" type="submit">
          {t("create")}
        </button>
      </form>
    </section>
  );
}

function Units({ units, reload }: { units: OrgUnit[]; reload: () => void }) {
  const [parent, setParent] = useState("");
  const [name, setName] = useState("");
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const admin = useValue(session)?.user.role === "admin";
  return (
    <section data-testid="admin-units">
      <ul class="sv-tree">
        {unitTree(units).map(({ unit: u, depth }) => (
          <li style={{ paddingLeft: `${depth * 28}px` }} data-testid="unit-row">
            <span class="sv-level">{label("lv_", u.level)}</span> <strong>{u.name}</strong>
          </li>
        ))}
      </ul>
      {admin && (
        <form
          class="sv-filters"
          onSubmit={async (e) => {
            e.preventDefault();
            try {
              await post("/org-units", { name, parent_id: parent } satisfies Schemas["OrgUnitIn"]);
              setMsg({ ok: true, text: t("unitCreated", { name }) });
              setName("");
              reload();
            } catch (x) {
              setMsg({ ok: false, text: errText(x) });
            }
          }}
        >
          <label class="sv-filter">
            <span>{t("addUnit")}</span>
            <select value={parent} onChange={(e) => setParent(e.currentTarget.value)}>
              <option value="" />
              <UnitOptions units={units} only={(u) => u.level !== "community"} />
            </select>
          </label>
          <label class="sv-filter">
            <span>{t("unitName")}</span>
            <input type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <button class="btn btn-primary" type="submit">
            {t("create")}
          </button>
        </form>
      )}
      {msg && (
        <p class={msg.ok ? "notice ok-notice" : "notice danger"} role="status">
          {msg.text}
        </p>
      )}
    </section>
  );
}

/** One's own password: the current one is asked; this session stays, the others end. */
function Account() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section data-testid="admin-account">
      <h2>{t("changeOwnPassword")}</h2>
      <form
        class="sv-filters"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setMsg(null);
          try {
            await post("/me/password", { current, new: next } satisfies Schemas["OwnPasswordIn"]);
            setMsg({ ok: true, text: t("ownPasswordChanged") });
            setCurrent("");
            setNext("");
          } catch (x) {
            setMsg({ ok: false, text: errText(x) });
          } finally {
            setBusy(false);
          }
        }}
      >
        <label class="sv-filter">
          <span>{t("currentPassword")}</span>
          <input
            type="password"
            autocomplete="current-password"
            data-testid="own-current"
            value={current}
            onInput={(e) => setCurrent(e.currentTarget.value)}
          />
        </label>
        <label class="sv-filter">
          <span>{t("newPasswordRule")}</span>
          <input
            type="password"
            autocomplete="new-password"
            data-testid="own-new"
            value={next}
            onInput={(e) => setNext(e.currentTarget.value)}
          />
        </label>
        <button class="btn btn-primary" type="submit" data-testid="own-save" disabled={busy}>
          {t("changeOwnPassword")}
        </button>
      </form>
      {msg && (
        <p
          class={msg.ok ? "notice ok-notice" : "notice danger"}
          role={msg.ok ? "status" : "alert"}
          data-testid="own-message"
        >
          {msg.text}
        </p>
      )}
    </section>
  );
}

const TABS = [
  { id: "users", label: () => t("users"), admin: true },
  { id: "units", label: () => t("orgUnits"), admin: false },
  { id: "audit", label: () => t("auditLog"), admin: false },
  { id: "reasons", label: () => t("returnReasons"), admin: true },
  { id: "account", label: () => t("account"), admin: false },
];

export default function Admin({ params }: { params: Params }) {
  useWide();
  useLang();
  const role = useValue(session)?.user.role;
  const tabs = TABS.filter((x) => !x.admin || role === "admin");
  const tab = tabs.find((x) => x.id === params.tab)?.id ?? tabs[0].id;
  const [units, error, reload] = useLoad(loadUnits, []);
  const moved = params.tab === "facilities" || params.tab === "subjects"; // now in the registers (台账)
  useEffect(() => {
    if (moved) go(`/ledger/${params.tab}`, true);
  }, [moved]);
  return (
    <div class="sv" data-testid="admin">
      <h1>{t("admin")}</h1>
      <nav class="sv-tabs">
        {tabs.map((x) => (
          <button
            class={`btn btn-small${x.id === tab ? " btn-primary" : ""}`}
            aria-pressed={x.id === tab}
            data-testid={`tab-${x.id}`}
            onClick={() => go(`/admin/${x.id}`, true)}
          >
            {x.label()}
          </button>
        ))}
      </nav>
      {error && <Failed error={error} retry={reload} />}
      {units && tab === "users" && <Users units={units} />}
      {units && tab === "units" && <Units units={units} reload={reload} />}
      {tab === "audit" && <AuditScreen />}
      {tab === "reasons" && <ReturnReasons />}
      {tab === "account" && <Account />}
    </div>
  );
}
