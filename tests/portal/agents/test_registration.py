"""Agents through the REST API: create → one-time code → register → token; rotate, revoke,
detach/attach, delete; roles; audit; Charlie sees nothing."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from portal.agents.middleware import _authenticate
from portal.agents.models import Agent, AgentToken, RegistrationCode
from portal.agents.services import agent_authenticate
from portal.tenants.models import AuditEvent
from portal.tokens import token_hash

pytestmark = pytest.mark.django_db

REGISTER = "/api/agents/register/"


@pytest.fixture
def frozen(monkeypatch):
    """`frozen.move(minutes=…)` moves the portal's clock."""

    class Clock:
        def __init__(self):
            self.now = timezone.now()
            monkeypatch.setattr("django.utils.timezone.now", lambda: self.now)

        def move(self, **delta):
            self.now += timedelta(**delta)

    return Clock()


def agents_url(org, *rest):
    return "/".join([f"/api/orgs/{org.slug}/agents", *[str(part) for part in rest], ""])


def create(api, org, name="sage-server"):
    response = api.post(agents_url(org), {"name": name}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def register(api_client, code, **extra):
    return api_client.post(REGISTER, {"code": code, "hostname": "sage01", **extra}, format="json")


def database_text() -> str:
    tables = set(connection.introspection.table_names())
    return repr([list(m.objects.values()) for m in apps.get_models() if m._meta.db_table in tables])


def test_it_creates_an_agent_with_a_one_time_code_and_registers_it(api_as, api_client, alice, acme, settings):
    settings.FERRY_PUBLIC_URL = "https://ferry.example"
    created = create(api_as(alice), acme)
    agent = Agent.objects.get(organization=acme, name="sage-server")
    code = created["registration"]["code"]
    assert created["agent"]["id"] == agent.pk
    assert created["agent"]["online"] is False and created["agent"]["detached"] is False
    assert created["registration"]["expires_in_minutes"] == 15
    assert (
        created["registration"]["command"]
        == f"ferry-agent register --portal https://ferry.example --code {code}"
    )
    stored = RegistrationCode.objects.get(agent=agent)
    assert abs(stored.expires_at - stored.created_at - timedelta(minutes=15)) < timedelta(seconds=1)

    response = register(api_client, code, platform="Windows Server 2022", agent_version="1.2.0")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"agent_id", "token", "organization", "name"}
    assert (body["agent_id"], body["organization"], body["name"]) == (str(agent.pk), "acme", "sage-server")
    assert body["token"].startswith("ferry_agt_")
    agent.refresh_from_db()
    assert (agent.hostname, agent.platform, agent.version) == ("sage01", "Windows Server 2022", "1.2.0")
    assert agent.registered_at is not None
    assert agent_authenticate(body["token"]) == agent


def test_it_accepts_the_code_typed_in_lower_case_with_spaces_or_without_dashes(
    api_as, api_client, alice, acme
):
    code = create(api_as(alice), acme)["registration"]["code"]

    response = register(api_client, f"  {code.replace('-', ' ').lower()} ")

    assert response.status_code == 201, response.json()
    second = api_as(alice).post(agents_url(acme, Agent.objects.get().pk, "rotate")).json()["code"]
    assert register(api_client, second.replace("-", "")).status_code == 201


def test_it_stores_only_hashes_and_prefixes(api_as, api_client, alice, acme):
    code = create(api_as(alice), acme)["registration"]["code"]
    token = register(api_client, code).json()["token"]

    stored = AgentToken.objects.get()
    assert stored.token_hash == token_hash(token)
    assert stored.prefix == token[:14]
    text = database_text()
    assert token not in text and token[14:] not in text
    assert code not in text and code.replace("-", "") not in text


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown", "This registration code is not known: copy it again from the portal's Agents page."),
        ("used", "This registration code was used already: create a new one in the portal."),
        ("expired", "This registration code has expired (codes last 15 minutes): create a new one."),
        ("missing", "Give the registration code shown in the portal."),
    ],
)
def test_it_refuses_a_bad_code_with_a_clear_error(api_as, api_client, alice, acme, frozen, case, message):
    code = create(api_as(alice), acme)["registration"]["code"]
    if case == "unknown":
        code = "ABCDE-FGHJK-MNPQR"
    elif case == "used":
        assert register(api_client, code).status_code == 201
    elif case == "expired":
        frozen.move(minutes=15, seconds=1)
    elif case == "missing":
        code = " "
    tokens_before = list(AgentToken.objects.values_list("pk", flat=True))

    response = register(api_client, code)

    assert response.status_code == 400
    assert response.json() == {"detail": message}
    assert list(AgentToken.objects.values_list("pk", flat=True)) == tokens_before


def test_it_accepts_a_code_until_its_fifteenth_minute(api_as, api_client, alice, acme, frozen):
    code = create(api_as(alice), acme)["registration"]["code"]
    frozen.move(minutes=14, seconds=59)

    assert register(api_client, code).status_code == 201


def test_it_keeps_the_old_token_valid_for_an_hour_after_a_rotation(api_as, api_client, alice, acme, frozen):
    api = api_as(alice)
    agent_id = create(api, acme)["agent"]["id"]
    code = api.post(agents_url(acme, agent_id, "rotate")).json()["code"]  # the first code still works
    old = register(api_client, code).json()["token"]
    rotated = api.post(agents_url(acme, agent_id, "rotate"))
    assert rotated.status_code == 200
    assert set(rotated.json()) == {"code", "expires_in_minutes", "command"}
    frozen.move(minutes=10)
    assert agent_authenticate(old) is not None  # rotation alone changes nothing

    new = register(api_client, rotated.json()["code"]).json()["token"]

    assert agent_authenticate(old).pk == agent_id
    frozen.move(minutes=59, seconds=59)
    assert agent_authenticate(old).pk == agent_id
    frozen.move(seconds=2)
    assert agent_authenticate(old) is None
    assert agent_authenticate(new).pk == agent_id
    assert AgentToken.objects.get(token_hash=token_hash(new)).expires_at is None


def test_it_refuses_a_revoked_token(api_as, api_client, alice, acme):
    api = api_as(alice)
    agent_id = create(api, acme)["agent"]["id"]
    code = api.post(agents_url(acme, agent_id, "rotate")).json()["code"]
    token = register(api_client, code).json()["token"]

    response = api.post(agents_url(acme, agent_id, "revoke"))

    assert response.status_code == 200
    assert agent_authenticate(token) is None
    assert _authenticate(token) is None
    # A fresh code brings the agent back with a new token.
    fresh = register(api_client, api.post(agents_url(acme, agent_id, "rotate")).json()["code"]).json()[
        "token"
    ]
    assert agent_authenticate(fresh).pk == agent_id
    assert agent_authenticate(token) is None


def test_it_refuses_tokens_that_are_not_agent_tokens():
    assert agent_authenticate("ferry_pat_something") is None
    assert agent_authenticate("ferry_agt_unknown") is None


def test_it_detaches_and_attaches_an_agent(api_as, api_client, alice, acme):
    api = api_as(alice)
    agent_id = create(api, acme)["agent"]["id"]
    token = register(api_client, api.post(agents_url(acme, agent_id, "rotate")).json()["code"]).json()[
        "token"
    ]

    detached = api.post(agents_url(acme, agent_id, "detach"))

    assert detached.status_code == 200 and detached.json()["detached"] is True
    assert _authenticate(token) == {"pk": agent_id, "organization_id": acme.pk, "detached": True}
    attached = api.post(agents_url(acme, agent_id, "attach"))
    assert attached.status_code == 200 and attached.json()["detached"] is False
    assert _authenticate(token) == {"pk": agent_id, "organization_id": acme.pk, "detached": False}


def test_it_deletes_an_agent_and_its_tokens(api_as, api_client, alice, acme):
    api = api_as(alice)
    agent_id = create(api, acme)["agent"]["id"]
    token = register(api_client, api.post(agents_url(acme, agent_id, "rotate")).json()["code"]).json()[
        "token"
    ]

    response = api.delete(agents_url(acme, agent_id))

    assert response.status_code == 204
    assert not Agent.objects.filter(pk=agent_id).exists()
    assert AgentToken.objects.count() == 0 and RegistrationCode.objects.count() == 0
    assert agent_authenticate(token) is None


def test_it_refuses_a_second_agent_with_the_same_name(api_as, alice, acme):
    api = api_as(alice)
    create(api, acme)

    response = api.post(agents_url(acme), {"name": "sage-server"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "An agent named 'sage-server' exists already: choose another name."}
    assert Agent.objects.count() == 1


def test_it_refuses_renaming_an_agent_to_a_taken_name(api_as, alice, acme):
    api = api_as(alice)
    create(api, acme, "sage-server")
    other = create(api, acme, "sage-server-2")["agent"]["id"]

    response = api.patch(agents_url(acme, other), {"name": "sage-server"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "An agent named 'sage-server' exists already: choose another name."}
    assert Agent.objects.get(pk=other).name == "sage-server-2"
    renamed = api.patch(agents_url(acme, other), {"name": "sage-server-3"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "sage-server-3"


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_it_lets_only_admins_change_agents(api_as, api_client, alice, acme, bob, bob_in_acme, role):
    bob_in_acme.role = role
    bob_in_acme.save()
    agent_id = create(api_as(alice), acme)["agent"]["id"]
    api = api_as(bob)
    before = (
        list(Agent.objects.values()),
        list(AgentToken.objects.values()),
        RegistrationCode.objects.count(),
    )

    answers = [
        api.post(agents_url(acme), {"name": "bobs-agent"}, format="json").status_code,
        *[api.post(agents_url(acme, agent_id, verb)).status_code for verb in ("rotate", "revoke", "detach")],
        api.post(agents_url(acme, agent_id, "attach")).status_code,
        api.post(agents_url(acme, agent_id, "update-configuration")).status_code,
        api.patch(agents_url(acme, agent_id), {"name": "renamed"}, format="json").status_code,
        api.delete(agents_url(acme, agent_id)).status_code,
    ]

    assert answers == [403] * 8
    assert (
        list(Agent.objects.values()),
        list(AgentToken.objects.values()),
        RegistrationCode.objects.count(),
    ) == before
    assert api.get(agents_url(acme, agent_id)).json()["name"] == "sage-server"


def test_it_lets_an_admin_manage_agents(api_as, alice, acme, bob, bob_in_acme):
    bob_in_acme.role = "admin"
    bob_in_acme.save()
    api = api_as(bob)

    agent_id = create(api, acme, "bobs-agent")["agent"]["id"]

    assert [
        api.post(agents_url(acme, agent_id, verb)).status_code
        for verb in ("rotate", "detach", "attach", "revoke")
    ] == [200, 200, 200, 200]
    assert api.delete(agents_url(acme, agent_id)).status_code == 204


def test_it_records_every_agent_change_in_the_audit_log(api_as, api_client, alice, acme):
    api = api_as(alice)
    agent_id = create(api, acme)["agent"]["id"]
    register(api_client, api.post(agents_url(acme, agent_id, "rotate")).json()["code"])
    api.patch(agents_url(acme, agent_id), {"description": "the Sage box"}, format="json")
    for verb in ("detach", "attach", "update-configuration", "revoke"):
        api.post(agents_url(acme, agent_id, verb))
    api.delete(agents_url(acme, agent_id))

    events = list(
        AuditEvent.objects.filter(organization=acme, action__startswith="agent.")
        .order_by("id")
        .values_list("action", "actor__email", "target_id")
    )

    assert events == [
        ("agent.created", "alice@acme.test", str(agent_id)),
        ("agent.rotation_started", "alice@acme.test", str(agent_id)),
        ("agent.registered", None, str(agent_id)),
        ("agent.updated", "alice@acme.test", str(agent_id)),
        ("agent.detached", "alice@acme.test", str(agent_id)),
        ("agent.attached", "alice@acme.test", str(agent_id)),
        ("agent.update_configuration", "alice@acme.test", str(agent_id)),
        ("agent.revoked", "alice@acme.test", str(agent_id)),
        ("agent.deleted", "alice@acme.test", str(agent_id)),
    ]


def test_it_shows_charlie_nothing_of_acmes_agents(api_as, api_client, alice, acme, charlie, globex):
    api = api_as(alice)
    agent_id = create(api, acme)["agent"]["id"]
    token = register(api_client, api.post(agents_url(acme, agent_id, "rotate")).json()["code"]).json()[
        "token"
    ]
    before = (
        list(Agent.objects.values()),
        list(AgentToken.objects.values()),
        RegistrationCode.objects.count(),
    )
    charlies = api_as(charlie)

    answers = [
        *[charlies.post(agents_url(org, agent_id, verb)).status_code for org in (acme, globex)
          for verb in ("rotate", "revoke", "detach", "update-configuration")],
        charlies.delete(agents_url(globex, agent_id)).status_code,
        charlies.get(agents_url(globex, agent_id)).status_code,
        charlies.patch(agents_url(globex, agent_id), {"name": "x"}, format="json").status_code,
        charlies.post(agents_url(acme), {"name": "charlies"}, format="json").status_code,
    ]  # fmt: skip

    assert answers == [404] * 12
    assert charlies.get(agents_url(globex)).json()["results"] == []
    assert (
        list(Agent.objects.values()),
        list(AgentToken.objects.values()),
        RegistrationCode.objects.count(),
    ) == before
    assert agent_authenticate(token).pk == agent_id
