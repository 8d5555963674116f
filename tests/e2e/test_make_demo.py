"""`make demo` on the embedded default plays the story, serves the portal, and the printed login works."""

import re
import subprocess
import threading
import time

import pytest
import requests

from tests.helpers import ROOT, csrf_token, embedded_env, free_port, stop

pytestmark = [pytest.mark.e2e]


def _wait_for(lines: list[str], pattern: str, process: subprocess.Popen, timeout: float = 300) -> re.Match:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, "".join(lines))
        if found:
            return found
        if process.poll() is not None:
            raise AssertionError(f"make demo stopped with {process.returncode}:\n{''.join(lines)}")
        time.sleep(0.2)
    raise AssertionError(f"make demo never printed {pattern!r}:\n{''.join(lines)}")


def test_it_plays_the_story_and_the_printed_login_works(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        ["make", "--no-print-directory", "demo", f"PORT={port}"],
        cwd=ROOT,
        env=embedded_env(FERRY_VAR_DIR=str(tmp_path)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        found = _wait_for(lines, r"open (http://\S+)/login/ and log in as (\S+) / (\S+)", process)
        printed = "".join(lines)
        assert "Customer Add: succeeded" in printed
        assert "Customer Update (+ Address Update): succeeded" in printed
        assert re.search(r"address_update\s+read\s+500", printed)
        assert (
            "Sage 300 check: every Shopify customer and ship-to location is right (500 customers)." in printed
        )
        base, email, password = found.groups()
        assert base == f"http://127.0.0.1:{port}"
        session = requests.Session()
        login_page = session.get(f"{base}/login/", timeout=10)
        assert login_page.status_code == 200 and "Log in to Ferry" in login_page.text
        response = session.post(
            f"{base}/login/",
            data={
                "username": email,
                "password": password,
                "csrfmiddlewaretoken": csrf_token(login_page.text),
            },
            headers={"Referer": f"{base}/login/"},
            timeout=10,
        )
        assert response.url == f"{base}/o/demo-company/"
        assert "Demo Company" in response.text
        assert session.get(f"{base}/static/django_htmx/htmx-2.min.js", timeout=10).status_code == 200
    finally:
        stop(process)
