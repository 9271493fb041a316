// The app shell: header with what is waiting, the routed screen, a bottom tab bar, and the menu.
// Routes come from field/index.ts and supervisor/index.ts; see supervisor/index.ts to add screens.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "./api";
import { setLang, useLang, lang } from "./i18n";
import { fieldRoutes } from "./field";
import { t as ft } from "./field/i18n";
import { navRoutes, registerNavRoutes } from "./nav";
import { routes as supervisorRoutes } from "./supervisor";
import { Desk, isDesk } from "./supervisor/desk";
import { go, match, path, type Params, type Route } from "./router";
import { login, logout, needsLogin, session } from "./session";
import { t } from "./shell-i18n";
import { describeError } from "./errors";
import { failedCount, flash, isIosSafariTab, online, pending, pendingKinds, persisted, SAVED } from "./status";
import { sayItems, sayKinds } from "./pending-text";
import { useValue } from "./store";
import { applyUpdate, updateReady } from "./sw-bridge";
import { units } from "./stations";
import { syncStatus } from "./sync";
import { headedStations } from "./weekly";

const LOGO = "巡"; // the logo glyph, the same in both languages

let syncNow: () => void = () => undefined;
export function setSyncNow(fn: () => void): void {
  syncNow = fn;
}

const menuRoute: Route = { path: "/menu", view: Menu };
registerNavRoutes(supervisorRoutes);
export const allRoutes = (): Route[] => [...fieldRoutes, ...supervisorRoutes, menuRoute];

export function App() {
  useLang();
  const s = useValue(session);
  const relogin = useValue(needsLogin);
  const p = useValue(path);
  if (!s)
    return (
      <main class="login-main">
        <Login />
      </main>
    );
  const found = match(allRoutes(), p, s.user.role);
  if (isDesk(s.user.role)) {
    // Supervisors and admins work at a desk: their own frame and navigation (supervisor/desk.tsx).
    return (
      <Desk path={p}>
        {relogin && <Login again />}
        <Notices />
        {found ? <RouteView route={found.route} params={found.params} key={p} /> : <p>{t("notFound")}</p>}
      </Desk>
    );
  }
  return (
    <>
      <TopBar />
      <main>
        {relogin && <Login again />}
        <Notices />
        {found ? <RouteView route={found.route} params={found.params} key={p} /> : <p>{t("notFound")}</p>}
      </main>
      <TabBar current={p} />
    </>
  );
}

const loaded = new Map<Route, ComponentType<{ params: Params }>>();
function RouteView({ route, params }: { route: Route; params: Params }) {
  const [View, setView] = useState<ComponentType<{ params: Params }> | undefined>(
    () => route.view ?? loaded.get(route),
  );
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (View || !route.load) return;
    route.load().then(
      (m) => {
        loaded.set(route, m.default);
        setView(() => m.default);
      },
      (e) => setError(describeError(e)),
    );
  }, [route]);
  if (error) return <p class="error">{t("loadFailed", { detail: error })}</p>;
  return View ? <View params={params} /> : <p>{t("loading")}</p>;
}

function TopBar() {
  const counted = useValue(pending);
  const n = counted ?? 0;
  const failed = useValue(failedCount);
  const on = useValue(online);
  const st = useValue(syncStatus);
  // Failed-for-good items are not "waiting": they wait for a person, so they are named apart.
  const waiting = n - failed;
  const what = sayKinds(useValue(pendingKinds));
  const counts = !failed
    ? t("pendingWhat", { what })
    : waiting
      ? t("pendingWhatFailed", { what, m: failed })
      : t("failedOnly", { m: failed });
  const label =
    counted === null
      ? t("loading")
      : !on
        ? n
          ? `${t("offline")} · ${counts}`
          : t("offlineOnly")
        : st.running && waiting
          ? t("syncing")
          : n
            ? counts
            : t("allSent");
  return (
    <header class="topbar">
      <a class="title" href="#/">
        {t("app")}
      </a>
      <button
        type="button"
        class={`sync${on ? "" : " offline"}`}
        data-testid="sync-status"
        data-pending={counted === null ? undefined : String(counted)}
        aria-live="polite"
        title={t("syncNow")}
        onClick={() => {
          syncNow();
        }}
      >
        <span class="dot" aria-hidden="true" />
        {label}
      </button>
    </header>
  );
}

function TabBar({ current }: { current: string }) {
  const n = useValue(pending) ?? 0;
  const fieldTabs = [
    { href: "/", icon: "⌂", label: t("home"), id: "nav-home" },
    { href: "/records", icon: "☰", label: fieldLabel("records"), id: "nav-records" },
    { href: "/outbox", icon: "⇪", label: fieldLabel("outbox"), id: "outbox", count: n },
    { href: "/menu", icon: "⋯", label: t("menu"), id: "nav-menu" },
  ];
  const base = current.split("?")[0];
  return (
    <nav class="tabbar" aria-label={t("menu")}>
      <div class="tabbar-inner">
        {fieldTabs.map((tab) => (
          <a
            class="tab"
            href={`#${tab.href}`}
            data-testid={tab.id}
            aria-current={base === tab.href ? "page" : undefined}
          >
            <span class="icon" aria-hidden="true">
              {tab.icon}
            </span>
            {tab.label}
            {tab.count ? <span class="count">{tab.count}</span> : null}
          </a>
        ))}
      </div>
    </nav>
  );
}

const fieldLabel = (k: "records" | "outbox") => ft(k === "records" ? "myRecords" : "outbox");

function Notices() {
  const waiting = useValue(updateReady);
  const persist = useValue(persisted);
  const message = useValue(flash);
  const failed = useValue(failedCount);
  const waitingWork = useValue(pending);
  // Work sent in the background (not just saved: that notice says it live) is told briefly.
  useEffect(
    () =>
      syncStatus.subscribe((st) => {
        if (!st.running && st.sent?.length && flash.get() !== SAVED)
          flash.set(t("uploaded", { what: sayItems(st.sent.map((kind) => ({ kind }))) }));
      }),
    [],
  );
  useEffect(() => {
    if (!message) return;
    const timer = setTimeout(() => flash.set(null), 6000);
    return () => clearTimeout(timer);
  }, [message]);
  const [hidden, setHidden] = useState<Record<string, boolean>>(() => {
    try {
      return JSON.parse(localStorage.getItem("xunfang.dismissed") ?? "{}");
    } catch {
      return {};
    }
  });
  const hide = (k: string) => {
    const next = { ...hidden, [k]: true };
    setHidden(next);
    localStorage.setItem("xunfang.dismissed", JSON.stringify(next));
  };
  return (
    <>
      {message && (
        <div class={`notice ${message === SAVED && failed ? "danger" : "ok-notice"}`} role="status" data-testid="flash">
          {message === SAVED ? <SavedNotice /> : message}
        </div>
      )}
      {waiting && (
        <div class="notice" role="status">
          {t("updateReady")}
          <div class="row">
            <button class="btn btn-primary btn-small" onClick={applyUpdate}>
              {t("updateApply")}
            </button>
          </div>
        </div>
      )}
      {/* Only while work waits on this phone: then clearing the browser's data would lose it. */}
      {persist === false && (waitingWork ?? 0) > 0 && !hidden.persist && (
        <div class="notice" data-testid="persist-refused">
          {t("persistRefused")}
          <div class="row">
            <button class="btn btn-small" onClick={() => hide("persist")}>
              {t("dismiss")}
            </button>
          </div>
        </div>
      )}
      {isIosSafariTab() && !hidden.ios && (
        <div class="notice" data-testid="ios-install">
          {t("iosInstall")}
          <div class="row">
            <button class="btn btn-small" onClick={() => hide("ios")}>
              {t("dismiss")}
            </button>
          </div>
        </div>
      )}
    </>
  );
}

/** After saving work: on the phone only, being sent, or sent, as it happens. */
function SavedNotice() {
  const n = useValue(pending) ?? 0;
  const on = useValue(online);
  const failed = useValue(failedCount);
  return (
    <>
      {failed
        ? ft("savedFailed", { n: failed })
        : !on
          ? ft("savedOffline")
          : n > 0
            ? ft("savedSending")
            : ft("savedSent")}
    </>
  );
}

export function Login({ again = false }: { again?: boolean }) {
  useLang();
  const s = session.get();
  const [username, setUsername] = useState(again && s ? s.user.username : "");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const before = session.get()?.user.id;
      const after = await login(username, password);
      if (before && before !== after.user.id) go("/", true);
      syncNow();
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 0
          ? t("loginOffline")
          : err instanceof ApiError && err.status === 401
            ? t("loginFailed")
            : describeError(err),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class={again ? "card" : "login"}>
      {!again && (
        <div class="login-head">
          <div class="login-logo" aria-hidden="true">
            {LOGO}
          </div>
          <h1>{t("appLong")}</h1>
        </div>
      )}
      {again && <p class="error">{t("relogin")}</p>}
      <form onSubmit={submit} class="stack" autocomplete="on">
        <label class="field">
          <span class="label">{t("username")}</span>
          <input
            type="text"
            name="username"
            autocomplete="username"
            autocapitalize="none"
            spellcheck={false}
            required
            data-testid="login-username"
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span class="label">{t("password")}</span>
          <input
            type="password"
            name="password"
            autocomplete="current-password"
            required
            data-testid="login-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary btn-block" data-testid="login-submit" disabled={busy}>
          {busy ? t("loggingIn") : t("login")}
        </button>
      </form>
      {!again && <LangSwitch />}
    </div>
  );
}

function LangSwitch() {
  const l = useValue(lang);
  return (
    <p class="row" style="margin-top:16px">
      <button
        type="button"
        class="btn btn-small"
        data-testid="lang-switch"
        onClick={() => setLang(l === "en" ? "zh-CN" : "en")}
      >
        {t("language")}
      </button>
    </p>
  );
}

function Menu() {
  useLang();
  const s = useValue(session);
  const role = s?.user.role;
  const extra = navRoutes(role);
  const heads = headedStations(useValue(units), s?.user.id).length > 0; // a station head's weekly report
  const roleName = role === "admin" ? t("roleAdmin") : role === "supervisor" ? t("roleSupervisor") : t("roleField");
  const doLogout = async () => {
    const n = pending.get();
    if (n && !confirm(t("logoutPending", { n }))) return;
    await logout();
    go("/", true);
  };
  return (
    <div>
      <h1>{t("menu")}</h1>
      <div class="card">
        <strong>{s?.user.display_name}</strong>{" "}
        <span class="muted">
          ({s?.user.username} · {roleName})
        </span>
      </div>
      {extra.length > 0 && (
        <ul class="list" style="margin-bottom:16px">
          {extra.map((r) => (
            <li>
              <a class="item" href={`#${r.path}`}>
                <span aria-hidden="true">{r.nav?.icon ?? "›"}</span>
                <span class="main name">{r.nav?.label()}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {role === "field_worker" && heads && (
        <ul class="list" style="margin-bottom:16px">
          <li>
            <a class="item" href="#/weekly" data-testid="menu-weekly">
              <span aria-hidden="true">⌂</span>
              <span class="main name">{ft("weeklyTitle")}</span>
            </a>
          </li>
        </ul>
      )}
      <div class="stack">
        <LangSwitch />
        <button type="button" class="btn btn-danger btn-block" data-testid="logout" onClick={doLogout}>
          {t("logout")}
        </button>
      </div>
    </div>
  );
}
