"""With several API processes, what an admin or a user changes about a session holds on every
process at its very next request: nothing about who may do what is remembered in one process."""

from __future__ import annotations

import httpx
import pytest

from tests.builders import PASSWORD, make_district


async def _login(base: str, username: str, password: str = PASSWORD) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base) as http:
        response = await http.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _me(base: str, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base) as http:
        return await http.get("/api/v1/me", headers=headers)


@pytest.fixture
async def district(db):
    return await make_district(db)


async def test_logout_on_one_process_ends_the_session_on_the_other(process_a, process_b, district):
    worker = await _login(process_a, "worker1")
    assert (await _me(process_b, worker)).status_code == 200  # process b has seen the token
    async with httpx.AsyncClient(base_url=process_a) as http:
        assert (await http.post("/api/v1/auth/logout", headers=worker)).status_code == 204
    assert (await _me(process_b, worker)).status_code == 401


@pytest.mark.parametrize("change", [{"is_active": False}, "password"])
async def test_disabling_or_a_password_reset_on_one_process_refuses_the_user_on_the_other(
    process_a, process_b, district, change
):
    worker, admin = await _login(process_a, "worker1"), await _login(process_a, "admin")
    assert (await _me(process_b, worker)).status_code == 200
    user_id = district.users["worker1"].id
    async with httpx.AsyncClient(base_url=process_a, headers=admin) as http:
        if change == "password":
            response = await http.post(f"/api/v1/users/{user_id}/password", json={"password": "another long one"})
        else:
            response = await http.patch(f"/api/v1/users/{user_id}", json=change)
    assert response.status_code in (200, 204), response.text
    assert (await _me(process_b, worker)).status_code == 401


async def test_a_role_or_unit_change_on_one_process_is_what_the_other_sees_next(process_a, process_b, district):
    worker, admin = await _login(process_a, "worker1"), await _login(process_a, "admin")
    before = (await _me(process_b, worker)).json()
    assert (before["role"], before["org_unit_id"]) == ("field_worker", str(district.community1.id))
    async with httpx.AsyncClient(base_url=process_a, headers=admin) as http:
        response = await http.patch(
            f"/api/v1/users/{district.users['worker1'].id}",
            json={"role": "supervisor", "org_unit_id": str(district.street2.id)},
        )
    assert response.status_code == 200, response.text
    # The change ends the old session everywhere (SECURITY.md); the next login, on the other
    # process, is in the new role and unit.
    assert (await _me(process_b, worker)).status_code == 401
    after = (await _me(process_b, await _login(process_b, "worker1"))).json()
    assert (after["role"], after["org_unit_id"]) == ("supervisor", str(district.street2.id))
