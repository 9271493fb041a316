"""README's nginx block, as printed, with Debian's nginx: `nginx -t` accepts it, and serving the
API through it HSTS arrives once (from the app), /metrics cannot be reached from outside the
scraper's network with or without a trailing slash, and neither the access log nor the error log
holds a query string (positions and photo-link signatures live there)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from scripts import asgi
from scripts.stack import ROOT, free_port
from tests.builders import login, make_district

SECRET_QUERY = "lat=26.1234567&sig=abcdef0123456789"


def readme_block(language: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert len(blocks) == 1, f"README.md should have one {language} block"
    return blocks[0]


def debian_nginx() -> str:
    if not shutil.which("nginx") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)  # noqa: S607
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "nginx-light"],  # noqa: S607
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
        )
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        pytest.fail("this test needs Debian's nginx: sudo apt-get install nginx-light")
    return found


def full_config(folder: Path, *, listen: int, upstream: int) -> Path:
    """README's block inside a whole nginx.conf, with this test's certificate, ports and log folder."""
    subprocess.run(
        [  # noqa: S607
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=xunfang.example.gov.cn",
            "-keyout",
            str(folder / "xunfang.key"),
            "-out",
            str(folder / "xunfang.crt"),
        ],
        check=True,
        capture_output=True,
    )
    block = (
        readme_block("nginx")
        .replace("/etc/nginx/tls/", f"{folder}/")
        .replace("/var/log/nginx/", f"{folder}/logs/")
        .replace("listen 443 ssl", f"listen 127.0.0.1:{listen} ssl")
        .replace("http://127.0.0.1:8000", f"http://127.0.0.1:{upstream}")
    )
    (folder / "logs").mkdir()
    config = folder / "nginx.conf"
    config.write_text(f"""
user root;
pid {folder}/nginx.pid;
error_log {folder}/logs/main-error.log;
events {{}}
http {{
    access_log {folder}/logs/default-access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
{block}
}}
""")
    return config


def test_readme_nginx_block_passes_nginx_t_and_serves_as_promised(stack, engine, secret, tmp_path):
    nginx = debian_nginx()
    api_port, port = free_port(), free_port()
    config = full_config(tmp_path, listen=port, upstream=api_port)
    checked = subprocess.run(
        [nginx, "-t", "-c", str(config), "-p", str(tmp_path), "-e", str(tmp_path / "t.log")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr

    api = asgi.spawn(workers=1, port=api_port, env={"XUNFANG_SECRET": secret}, quiet=True)
    server = subprocess.Popen(
        [nginx, "-c", str(config), "-p", str(tmp_path), "-e", str(tmp_path / "e.log"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"https://127.0.0.1:{port}"
    try:
        asgi.wait_ready(f"http://127.0.0.1:{api_port}", api)
        with httpx.Client(base_url=base, verify=False, timeout=10) as http:  # noqa: S501 - the test's own certificate
            for _ in range(100):
                try:
                    health = http.get(f"/api/v1/health?{SECRET_QUERY}")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            assert health.status_code == 200
            assert health.headers.get_list("strict-transport-security") == ["max-age=31536000; includeSubDomains"]
            for path in ("/metrics", "/metrics/", f"/metrics?{SECRET_QUERY}", "/metrics/x", "//metrics", "/%6Detrics"):
                raw = httpx.URL(base).copy_with(raw_path=path.encode())  # sent as written
                assert http.get(raw).status_code == 403, path  # loopback is not the scraper's 10.0.0.0/8
            assert http.get(f"/?{SECRET_QUERY}").status_code == 200
            asgi.stop(api)  # the API gone: nginx answers 502 and may log an error
            assert http.get(f"/api/v1/health?{SECRET_QUERY}").status_code == 502
    finally:
        asgi.stop(api)
        server.terminate()
        server.wait(10)
    logs = tmp_path / "logs"
    access = (logs / "xunfang.log").read_text()
    assert "/api/v1/health" in access and '"GET /metrics/" 403' in access  # every location logs here
    for name in ("xunfang.log", "xunfang-error.log", "default-access.log"):
        text = (logs / name).read_text() if (logs / name).exists() else ""
        assert "26.1234567" not in text and "abcdef0123456789" not in text, name
    assert not (logs / "default-access.log").exists() or not (logs / "default-access.log").read_text()


async def test_the_app_answers_metrics_only_at_its_exact_path(client, db):
    await make_district(db)
    admin = await login(client, "admin")
    assert (await client.get("/metrics", headers=admin)).status_code == 200
    for path in ("/metrics/", "/metrics//"):
        assert (await client.get(path, headers=admin)).status_code == 404, path
