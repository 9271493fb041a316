/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import { VitePWA } from "vite-plugin-pwa";

// The build version names the service worker's caches, so an update replaces them cleanly.
const version = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 12);

export default defineConfig({
  define: { __APP_VERSION__: JSON.stringify(version) },
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: { target: "es2020", sourcemap: false, assetsInlineLimit: 0 },
  worker: { format: "es" },
  server: { proxy: { "/api": "http://127.0.0.1:8000" } },
  plugins: [
    VitePWA({
      strategies: "injectManifest",
      srcDir: "src",
      filename: "sw.ts",
      injectRegister: false, // sw-bridge.ts registers it and owns the update prompt
      manifestFilename: "manifest.webmanifest",
      injectManifest: {
        globPatterns: ["**/*.{js,css,html,svg,png,webmanifest}"],
        maximumFileSizeToCacheInBytes: 3 * 1024 * 1024,
      },
      manifest: {
        id: "/",
        name: "巡访 · 退役军人服务外勤",
        short_name: "巡访",
        description: "烈士纪念设施巡查与走访慰问：离线记录，联网自动上传",
        lang: "zh-CN",
        start_url: "/",
        scope: "/",
        display: "standalone",
        // No orientation lock: tablets and supervisors' screens turn as their users hold them.
        background_color: "#ffffff",
        theme_color: "#8b1a1a",
        icons: [
          { src: "icon-192.png", sizes: "192x192", type: "image/png" },
          { src: "icon-512.png", sizes: "512x512", type: "image/png" },
          { src: "icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
    }),
  ],
  test: {
    environment: "node", // Node's Blob survives fake-indexeddb's structured clone
    include: ["tests/**/*.test.ts"],
    setupFiles: ["tests/setup.ts"],
  },
});
