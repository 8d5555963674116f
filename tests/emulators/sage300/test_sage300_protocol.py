"""Auth, headers, content type, routing and fault injection: what every request meets first."""

from __future__ import annotations

import threading

import requests

API_HEADERS = {"OData-Version": "4.0", "api-supported-versions": "1.0"}


def test_it_sends_sage_headers_on_api_responses(sage):
    for response in (sage.get("ARCustomers"), sage.get("ARCustomers('NOPE')")):
        assert {name: response.headers[name] for name in API_HEADERS} == API_HEADERS
        assert response.headers["Content-Type"] == "application/json; odata.metadata=minimal"
        assert "ETag" not in response.headers


def test_it_challenges_a_request_without_credentials(sage):
    response = requests.get(
        sage.api + "ARCustomers", headers={"Content-Type": "application/json"}, timeout=10
    )
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Sage300WebApi"'
    assert sage.error_of(response) == (401, "Unauthorized", "Authorization has been denied for this request.")


def test_it_refuses_a_wrong_password_and_accepts_the_user_id_in_any_case(sage):
    headers = {"Content-Type": "application/json"}
    wrong = requests.get(sage.api + "ARCustomers", auth=("WEBAPI", "WEBAPI"), headers=headers, timeout=10)
    assert sage.error_of(wrong)[:2] == (401, "Unauthorized")
    right = requests.get(sage.api + "ARCustomers", auth=("webapi", "webapi"), headers=headers, timeout=10)
    assert right.status_code == 200


def test_it_sets_a_session_cookie_and_accepts_it_alone(sage):
    first = sage.get("ARCustomers('1100')")
    cookie = first.cookies["ASP.NET_SessionId"]
    assert len(cookie) == 24
    assert "ASP.NET_SessionId" not in sage.get("ARCustomers('1100')").cookies
    headers = {"Content-Type": "application/json", "Cookie": f"ASP.NET_SessionId={cookie}"}
    assert requests.get(sage.api + "ARCustomers('1100')", headers=headers, timeout=10).status_code == 200
    with_bad_password = requests.get(
        sage.api + "ARCustomers('1100')", headers=headers, auth=("WEBAPI", "nope"), timeout=10
    )
    assert with_bad_password.status_code == 401
    forged = {"Content-Type": "application/json", "Cookie": "ASP.NET_SessionId=forged"}
    assert requests.get(sage.api + "ARCustomers('1100')", headers=forged, timeout=10).status_code == 401


def test_it_answers_500_without_the_json_content_type_unless_switched_off(sage):
    bare = requests.get(sage.api + "ARCustomers('1100')", auth=("WEBAPI", "webapi"), timeout=10)
    assert sage.error_of(bare)[:2] == (500, "InternalServerError")
    sage.control("settings", {"content_type_required": False})
    assert (
        requests.get(sage.api + "ARCustomers('1100')", auth=("WEBAPI", "webapi"), timeout=10).status_code
        == 200
    )


def test_it_serves_error_bodies_as_text_plain_when_switched_on(sage):
    sage.control("settings", {"errors_as_text_plain": True})
    response = sage.get("ARCustomers('NOPE')")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert sage.error_of(response)[:2] == (404, "RecordNotFound")
    assert (
        sage.get("ARCustomers('1100')").headers["Content-Type"] == "application/json; odata.metadata=minimal"
    )


def test_it_routes_without_regard_to_case(sage):
    response = sage.session.get(sage.url + "/sage300webapi/V1.0/-/saminc/ar/arcustomers('1100')", timeout=10)
    assert response.status_code == 200
    assert response.json()["@odata.context"] == f"{sage.api}$metadata#ARCustomers/$entity"


def test_it_serves_several_companies_apart(sage):
    samltd = sage.url + "/Sage300WebApi/v1.0/-/SAMLTD/AR/"
    sage.post("ARCustomers", {"CustomerNumber": "ONLYINC", "GroupCode": "RTL"})
    assert sage.session.get(samltd + "ARCustomers('ONLYINC')", timeout=10).status_code == 404
    unknown = sage.session.get(sage.url + "/Sage300WebApi/v1.0/-/NOPE/AR/ARCustomers", timeout=10)
    assert sage.error_of(unknown) == (401, "Unauthorized", "Company NOPE does not exist or cannot be opened.")


def test_it_answers_unknown_resources_and_methods(sage):
    assert sage.error_of(sage.get("ARInvoices")) == (
        404,
        "ResourceNotFound",
        "The resource 'ARInvoices' cannot be found.",
    )
    assert sage.error_of(
        sage.session.get(sage.url + "/Sage300WebApi/v1.0/-/SAMINC/TX/ARCustomers", timeout=10)
    )[:2] == (
        404,
        "ResourceNotFound",
    )
    assert sage.error_of(sage.patch("ARCustomers", {"City": "X"})) == (
        405,
        "MethodNotAllowed",
        "The requested resource does not support http method 'PATCH'.",
    )
    assert sage.error_of(sage.delete("ARCustomers"))[:2] == (405, "MethodNotAllowed")


def test_it_refuses_requests_over_the_concurrency_limit_with_429(sage):
    sage.control("faults", {"max_concurrent": 1, "latency_ms": 300})
    responses = []

    def call():
        responses.append(sage.get("ARCustomers('1100')"))

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 429, 429]
    refused = next(response for response in responses if response.status_code == 429)
    assert sage.error_of(refused) == (
        429,
        "TooManyRequests",
        "Server was flooded with too many concurrent requests.",
    )
    assert sage.control("faults")["injected"] == 2


def test_it_injects_server_errors_at_the_configured_rate(sage):
    sage.control("faults", {"error_rate": 1.0, "error_status": 503})
    response = sage.get("ARCustomers('1100')")
    assert sage.error_of(response) == (503, "InternalServerError", "An error has occurred.")
    # Control endpoints and the HTML pages are never faulted.
    assert requests.get(sage.url + "/ui/SAMINC/customers", timeout=10).status_code == 200
    sage.control("faults", {"error_rate": 0.5})
    statuses = [sage.get("ARCustomers('1100')").status_code for _ in range(40)]
    assert set(statuses) == {200, 503}
    sage.control("reset", {})
    assert sage.control("faults")["error_rate"] == 0.0


def test_it_refuses_bad_fault_settings(sage):
    response = requests.post(sage.url + "/_emulator/faults", json={"error_status": 404}, timeout=10)
    assert (response.status_code, response.json()) == (400, {"error": "error_status must be a 5xx status"})
