// Start-up: restore the remembered session (works offline), render, then start the sync engine
// and register the service worker.
import { render } from "preact";
import { App, setSyncNow } from "./app";
import { lang } from "./i18n";
import { prune } from "./outbox";
import { needsLogin, refreshScope, restore, session } from "./session";
import { askPersist, watchStatus } from "./status";
import { registerSW } from "./sw-bridge";
import { sendItem, startSync } from "./sync";
import "./ui/app.css";
import "./ui/lists.css";

async function boot(): Promise<void> {
  document.documentElement.lang = lang.get();
  await restore().catch(() => null);
  watchStatus();
  const root = document.getElementById("app")!;
  root.textContent = ""; // the boot message
  render(<App />, root);
  const sync = startSync({
    userId: () => (needsLogin.get() ? null : (session.get()?.user.id ?? null)),
    send: sendItem,
    onAuthNeeded: () => needsLogin.set(true),
    random: Math.random,
  });
  setSyncNow(() => void sync.kick());
  window.addEventListener("xunfang-sync", () => void sync.kick());
  (window as unknown as { xunfangSync: () => Promise<number> }).xunfangSync = sync.kick;
  session.subscribe((s) => {
    if (s) {
      void askPersist();
      void sync.kick();
    }
  });
  if (session.get()) {
    void askPersist();
    if (navigator.onLine) void refreshScope().catch(() => undefined);
  }
  window.addEventListener("online", () => void refreshScope().catch(() => undefined));
  void prune().catch(() => undefined);
  void registerSW();
}

void boot();
