// The page's side of service-worker updates: register, notice a waiting worker, ask the person,
// then let it take over and reload. The outbox lives in IndexedDB, which an update never touches,
// and a reload only happens when the person agrees (never in the middle of typing a record).
import { value } from "./store";

export const updateReady = value<ServiceWorker | null>(null);
export const swActive = value(false);

export async function registerSW(): Promise<void> {
  if (!("serviceWorker" in navigator) || import.meta.env.DEV) return;
  try {
    const reg = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    swActive.set(!!navigator.serviceWorker.controller);
    const watch = (w: ServiceWorker | null) => {
      if (!w) return;
      const check = () => w.state === "installed" && navigator.serviceWorker.controller && updateReady.set(w);
      check();
      w.addEventListener("statechange", check);
    };
    watch(reg.waiting);
    reg.addEventListener("updatefound", () => watch(reg.installing));
    let reloading = false;
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      swActive.set(true);
      if (updateReady.get() && !reloading) {
        reloading = true;
        location.reload();
      }
    });
    // Look for a new version now and then while the app stays open.
    setInterval(() => void reg.update().catch(() => undefined), 60 * 60_000);
  } catch {
    /* no service worker (private mode, old browser): the app still works online */
  }
}

export function applyUpdate(): void {
  updateReady.get()?.postMessage({ type: "SKIP_WAITING" });
}
