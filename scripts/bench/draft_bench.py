"""Draft saves on the phone (issue 16): every change to a form is written to IndexedDB, photos
included, so a killed tab loses nothing. On a mid-range phone (Chromium, CPU 4x slower via CDP
Emulation.setCPUThrottlingRate) with four photos on the patrol form:

- a save after a keystroke (the form's JSON; the photos' bytes are already stored), median, vs the
  50 ms target;
- a save that also writes a new photo's bytes (the photo just processed), the slowest, vs 50 ms.

The app reports each save's time (drafts.ts, a `xunfang-draft-save` performance measure); a
PerformanceObserver in the page collects them.

Run alone: .venv/bin/python -m scripts.bench.draft_bench  (starts its own stack and server; set
XUNFANG_BENCH_URL=http://... and XUNFANG_DEMO_PASSWORD to use a running `scripts/dev` instead)."""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from PIL import Image

from scripts.bench.harness import report
from scripts.bench.pwa_bench import CHROMIUM_ARGS, DIST

TARGET_MS = 50
KEYSTROKES = 30
OBSERVE = """() => {
  window.__draftSaves = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__draftSaves.push({ ms: e.duration, photos: e.detail?.photos ?? 0 });
  }).observe({ type: "measure" });
}"""


def make_photos(folder: Path, n: int = 4) -> list[Path]:
    """Phone-sized JPEGs (2000x1500, noisy: about 1.5 MB each, kept as they are by the resize step)."""
    paths = []
    for i in range(n):
        noise = Image.effect_noise((2000, 1500), 30 + i)
        img = Image.merge("RGB", (noise, noise.rotate(180), noise))
        path = folder / f"draft_{i}.jpg"
        img.save(path, "JPEG", quality=90)
        paths.append(path)
    return paths


async def measure(base: str, password: str, photos: list[Path]) -> dict[str, float]:
    from playwright.async_api import async_playwright

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
        await page.goto(base + "/")
        await page.get_by_test_id("login-username").fill("worker1")
        await page.get_by_test_id("login-password").fill(password)
        await page.get_by_test_id("login-submit").click()
        await page.get_by_test_id("new-patrol").wait_for()
        await page.wait_for_function("() => document.body.innerText.includes('已存在本机')")
        await page.get_by_test_id("new-patrol").click()
        await page.get_by_test_id("facility-item").first.click()
        await page.get_by_test_id("checklist-structure-issue").click()

        cdp = await context.new_cdp_session(page)
        await cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        await page.evaluate(OBSERVE)
        for photo in photos:  # one at a time, as a worker takes them
            n = await page.locator(".photo[data-state=ready]").count()
            await page.get_by_test_id("photo-input").set_input_files(str(photo))
            await page.wait_for_function(
                f"() => document.querySelectorAll('.photo[data-state=ready]').length === {n + 1}"
            )
            await page.wait_for_function(
                f"() => document.querySelector('[data-testid=draft-status]')?.dataset.photos === '{n + 1}'"
            )
        with_bytes = [s["ms"] for s in await page.evaluate("() => window.__draftSaves")]
        await page.evaluate("() => { window.__draftSaves = []; }")
        note = page.get_by_test_id("checklist-structure-note")
        for i in range(KEYSTROKES):
            await note.press_sequentially("裂")
            await page.wait_for_function(f"() => window.__draftSaves.length >= {i + 1}")
        keystrokes = [s["ms"] for s in await page.evaluate("() => window.__draftSaves") if s["photos"] == len(photos)]
        await browser.close()
    return {
        "keystroke": statistics.median(keystrokes),
        "keystroke_p90": sorted(keystrokes)[int(len(keystrokes) * 0.9) - 1],
        "photo": max(with_bytes),
    }


def main() -> int:
    if not (DIST / "index.html").is_file():
        print("error: pwa/dist is not built: run scripts/setup", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="xunfang-draft-bench-") as tmp:
        photos = make_photos(Path(tmp))
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
    report("pwa_draft_save_4_photos_cpu4x_keystroke_median", m["keystroke"], "ms", TARGET_MS)
    report("pwa_draft_save_4_photos_cpu4x_keystroke_p90", m["keystroke_p90"], "ms", TARGET_MS)
    report("pwa_draft_save_cpu4x_with_new_photo_bytes_max", m["photo"], "ms", TARGET_MS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
