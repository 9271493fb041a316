/// <reference lib="webworker" />
// The service worker: precaches the app shell (Workbox's injected manifest) in caches named after
// the build version, answers navigations with the shell, and leaves /api alone. No business
// logic: the outbox and sync live in the page (IndexedDB), so an update never touches them.
import { setCacheNameDetails, clientsClaim } from "workbox-core";
import { precacheAndRoute, createHandlerBoundToURL, cleanupOutdatedCaches } from "workbox-precaching";
import { registerRoute, NavigationRoute } from "workbox-routing";

declare const self: ServiceWorkerGlobalScope & typeof globalThis;
declare const __APP_VERSION__: string;

const PREFIX = "xunfang";
setCacheNameDetails({ prefix: PREFIX, suffix: __APP_VERSION__, precache: "shell", runtime: "runtime" });

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Every screen is a hash route of "/", so navigations get the precached shell, offline too.
registerRoute(new NavigationRoute(createHandlerBoundToURL("index.html"), { denylist: [/^\/api\//, /^\/schema/] }));

// Caches of other versions go when this one takes over.
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((k) => k.startsWith(`${PREFIX}-`) && !k.endsWith(`-${__APP_VERSION__}`))
            .map((k) => caches.delete(k)),
        ),
      ),
  );
});

// The page asks before an update takes over (sw-bridge.ts).
self.addEventListener("message", (event) => {
  if (event.data?.type === "SKIP_WAITING") void self.skipWaiting();
});
clientsClaim();
