"""`make demo` on the embedded default serves the login page and the printed credentials log in."""

import re
import subprocess
import threading

import pytest
import requests

from tests.helpers import ROOT, csrf_token, embedded_env, free_port, stop, wait_for_port

pytestmark = [pytest.mark.e2e]


def test_it_serves_the_portal_and_the_printed_login_works(tmp_path):
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
        wait_for_port(port, timeout=120, process=process)
        printed = "".join(lines)
        found = re.search(r"open (http://\S+)/login/ and log in as (\S+) / (\S+)", printed)
        assert found, printed
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
