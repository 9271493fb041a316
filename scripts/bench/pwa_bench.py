"""Field PWA budgets (issue 4), on Debian's Chromium emulating a mid-range phone:

- JavaScript for the first screen, gzipped, vs the common 170 KB mobile budget (ours: 100 KB);
- first load on slow 4G (150 ms RTT, 1.6 Mbps down, 750 kbps up, CPU 4x slower, via CDP) until the
  login screen is usable, vs 3 s;
- repeat load from the service worker, signed in, until the home screen is usable, vs 1 s;
- saving a patrol with five 12 MP photos on that phone: time from the camera handing over the
  files to "saved", and upload bytes after resizing vs the originals.

Run alone: .venv/bin/python -m scripts.bench.pwa_bench  (starts its own stack and server; set
XUNFANG_BENCH_URL=http://... and XUNFANG_DEMO_PASSWORD to use a running `scripts/dev` instead)."""

from __future__ import annotations

import asyncio
import gzip
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from scripts.bench.harness import report
from storage.checklists import PATROL_CODES

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "pwa" / "dist"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}


def first_screen_js_gzip_kb() -> float:
    """The scripts index.html loads before the first screen (entry + modulepreloads), gzipped."""
    html = (DIST / "index.html").read_text()
    srcs = re.findall(r'<script[^>]+src="/?([^"]+\.js)"', html) + re.findall(
        r'<link[^>]+rel="modulepreload"[^>]+href="/?([^"]+)"', html
    )
    return sum(len(gzip.compress((DIST / s).read_bytes(), 6)) for s in set(srcs)) / 1024


def make_12mp_photos(folder: Path, n: int = 5) -> list[Path]:
    """4000x3000 noisy JPEGs with an EXIF capture time, like a phone's."""
    paths = []
    for i in range(n):
        noise = Image.effect_noise((4000, 3000), 40 + i)
        gradient = Image.linear_gradient("L").resize((4000, 3000))
        img = Image.merge("RGB", (noise, gradient, Image.blend(noise, gradient, 0.5)))
        exif = Image.Exif()
        exif[0x0112] = 1
        exif[0x0132] = "2026:11:24 10:00:00"
        path = folder / f"bench_{i}.jpg"
        img.save(path, "JPEG", quality=92, exif=exif)
        paths.append(path)
    return paths


async def throttle(page, context) -> None:
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    await cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})


async def measure(base: str, password: str, photos: list[Path]) -> dict[str, float]:
    from playwright.async_api import async_playwright

    out: dict[str, float] = {}
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = await browser.new_context(
            viewport={"width": 360, "height": 800},
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            geolocation={"latitude": 26.58, "longitude": 106.71},
            permissions=["geolocation"],
        )
        page = await context.new_page()
        page.set_default_timeout(120_000)
        await throttle(page, context)

        t0 = time.perf_counter()
        await page.goto(base + "/", wait_until="commit")
        await page.get_by_test_id("login-submit").wait_for(state="visible")
        out["first"] = time.perf_counter() - t0

        await page.get_by_test_id("login-username").fill("worker1")
        await page.get_by_test_id("login-password").fill(password)
        await page.get_by_test_id("login-submit").click()
        await page.get_by_test_id("new-patrol").wait_for()
        await page.wait_for_function("navigator.serviceWorker.controller !== null")
        await page.wait_for_function("document.body.innerText.includes('已存在本机')")

        t0 = time.perf_counter()
        await page.reload(wait_until="commit")
        await page.get_by_test_id("new-patrol").wait_for(state="visible")
        out["repeat"] = time.perf_counter() - t0

        await page.get_by_test_id("new-patrol").click()
        await page.get_by_test_id("facility-item").first.click()
        for code in PATROL_CODES:
            await page.get_by_test_id(f"checklist-{code}-ok").click()
        t0 = time.perf_counter()
        await page.get_by_test_id("photo-input").set_input_files([str(x) for x in photos])
        await page.wait_for_function(f"document.querySelectorAll('.photo[data-state=ready]').length === {len(photos)}")
        await page.get_by_test_id("record-save").click()
        await page.get_by_test_id("flash").wait_for()
        out["save"] = time.perf_counter() - t0
        out["upload_bytes"] = await page.evaluate("""() => new Promise((resolve, reject) => {
            const req = indexedDB.open('xunfang');
            req.onsuccess = () => {
              const all = req.result.transaction('outbox').objectStore('outbox').getAll();
              all.onsuccess = () => resolve(all.result.filter(i => i.kind === 'photo').reduce((n, i) => n + i.bytes, 0));
              all.onerror = () => reject(all.error);
            };
            req.onerror = () => reject(req.error);
        })""")
        t0 = time.perf_counter()
        await page.wait_for_function(
            "document.querySelector('[data-testid=sync-status]').dataset.pending === '0'", timeout=600_000
        )
        out["upload"] = time.perf_counter() - t0
        await browser.close()
    return out


def print_figures(m: dict[str, float], originals: int, js_kb: float) -> None:
    report("pwa_first_screen_js_gzip", js_kb, "KB", 170)
    report("pwa_first_screen_js_gzip_vs_own_budget", js_kb, "KB", 100)
    report("pwa_first_load_slow4g_usable", m["first"], "s", 3)
    report("pwa_repeat_load_service_worker_usable", m["repeat"], "s", 1)
    report("pwa_save_patrol_5x12mp_time_to_saved", m["save"], "s", 3)
    report("pwa_upload_bytes_after_resize_5x12mp", m["upload_bytes"] / 1e6, "MB", originals / 1e6)
    report("pwa_upload_5_photos_slow4g", m["upload"], "s", originals * 8 / 750_000, "s (originals at 750 kbps)")


def main() -> int:
    if not (DIST / "index.html").is_file():
        print("error: pwa/dist is not built: run scripts/setup", file=sys.stderr)
        return 1
    js_kb = first_screen_js_gzip_kb()
    with tempfile.TemporaryDirectory(prefix="xunfang-pwa-bench-") as tmp:
        photos = make_12mp_photos(Path(tmp))
        originals = sum(p.stat().st_size for p in photos)
        if os.environ.get("XUNFANG_BENCH_URL"):
            m = asyncio.run(
                measure(
                    os.environ["XUNFANG_BENCH_URL"], os.environ.get("XUNFANG_DEMO_PASSWORD", "xunfang-demo"), photos
                )
            )
        else:
            from api.app import create_app
            from api.settings import Settings
            from scripts.bench.harness import running_stack, serving
            from scripts.run_dev import prepare

            with running_stack():
                settings = Settings.from_env()
                password = asyncio.run(prepare(settings.migration_url)) or ""
                with serving(create_app(settings)) as base:
                    m = asyncio.run(measure(base, password, photos))
    print_figures(m, originals, js_kb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
