"""A shared phone: logging out ends the token on the server and leaves nothing of the user's scope
(names, addresses, home positions, tasks, thumbnails) on the phone; unsent work stays, after a
warning that gives the choice."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import log_in, pending, shot, wait_for_scope_cached, wait_for_service_worker, wait_pending
from tests.e2e.test_field_offline import fill_patrol, save

pytestmark = pytest.mark.e2e

CACHE_KEYS = """async () => {
  const open = indexedDB.open("xunfang");
  const db = await new Promise((ok, err) => { open.onsuccess = () => ok(open.result); open.onerror = err; });
  const read = (store) => new Promise((ok) => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => ok(r.result); });
  const cache = await read("cache"), outbox = await read("outbox");
  db.close();
  return { cache: cache.map((e) => e.key), outbox: outbox.map((i) => i.state),
           text: JSON.stringify(cache.map((e) => e.value)) };
}"""


async def open_menu(page) -> None:
    await page.get_by_test_id("nav-menu").click()
    await page.get_by_test_id("logout").wait_for()


async def test_logout_ends_the_token_and_forgets_the_scope(page, live_server, area):
    base = live_server.url
    await log_in(page, base)
    await wait_for_service_worker(page)  # the screens open offline only once precached
    await wait_for_scope_cached(page)
    stored = await page.evaluate(CACHE_KEYS)
    assert "红军烈士陵园" in stored["text"] and "张桂兰" in stored["text"], "the scope was cached to forget"
    token = await page.evaluate("""async () => {
      const open = indexedDB.open("xunfang");
      const db = await new Promise((ok) => { open.onsuccess = () => ok(open.result); });
      const s = await new Promise((ok) => { const r = db.transaction("cache").objectStore("cache").get("session"); r.onsuccess = () => ok(r.result); });
      db.close();
      return s.value.token;
    }""")
    me = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert me.status_code == 200

    await open_menu(page)
    await page.get_by_test_id("logout").click()
    await page.get_by_test_id("login-username").wait_for()
    await shot(page, "shared-phone-logged-out")

    after = await page.evaluate(CACHE_KEYS)
    assert after["cache"] == [], f"left on the phone: {after['cache']}"
    assert httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code == 401


async def test_unsent_work_is_kept_after_a_warning_with_a_choice(page, phone, live_server, area, photos):
    base = live_server.url
    await log_in(page, base)
    await wait_for_service_worker(page)  # the screens open offline only once precached
    await wait_for_scope_cached(page)
    await phone.set_offline(True)
    await fill_patrol(page, area, [photos / "gps_DSCN0010.jpg"])
    await save(page)
    assert await pending(page) == 2

    warnings: list[str] = []

    async def answer(dialog, accept: bool) -> None:
        warnings.append(dialog.message)
        await (dialog.accept() if accept else dialog.dismiss())

    # First "cancel": still logged in, nothing forgotten.
    page.once("dialog", lambda d: answer(d, False))
    await open_menu(page)
    await page.get_by_test_id("logout").click()
    await page.wait_for_timeout(300)
    assert warnings and "2" in warnings[0]
    assert await page.get_by_test_id("logout").is_visible()
    assert (await page.evaluate(CACHE_KEYS))["cache"] != []

    # Then "log out", with no signal: the scope goes, the two unsent items stay.
    page.once("dialog", lambda d: answer(d, True))
    await page.get_by_test_id("logout").click()
    await page.get_by_test_id("login-username").wait_for()
    after = await page.evaluate(CACHE_KEYS)
    assert after["cache"] == [] and sorted(after["outbox"]) == ["waiting", "waiting"]

    # The author logs in again with signal: the work goes out.
    await phone.set_offline(False)
    await log_in(page, base)
    await wait_pending(page, 0)
