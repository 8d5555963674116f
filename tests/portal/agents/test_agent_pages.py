"""The Agents page: presence, registration codes and the admin actions."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.agents.models import Agent, AgentToken
from portal.agents.services import agent_authenticate, agent_create, agent_register, agent_seen
from portal.tenants.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(acme, alice):
    created, _ = agent_create(organization=acme, name="sage-server", actor=alice)
    return created


def _issued(html: str) -> tuple[str, str]:
    code = re.search(r'id="registration-code">([A-Z0-9-]+)<', html).group(1)
    command = re.search(r'id="registration-command">([^<]+)<', html).group(1)
    return code, command


def test_it_lists_agents_with_presence_and_resources(acme, alice, client_as, agent):
    agent_seen(agent_pk=agent.pk, version="1.4.0", hostname="SAGE01", platform="Windows-2019",
               cpu_percent=12.4, rss_mb=84.6, outbox_depth=3)  # fmt: skip
    html = client_as(alice).get(f"/o/{acme.slug}/agents/").content.decode()
    row = html.split('data-agent="sage-server"')[1].split("</tr>")[0]
    assert '<span class="chip online" data-field="presence">online</span>' in row
    for text in ("1.4.0", "SAGE01", "Windows-2019", "12 %", "85 MB", '<td class="num">3</td>', "just now"):
        assert text in row
    assert 'hx-trigger="every 5s' in html and f'hx-get="/o/{acme.slug}/agents/rows/"' in html


def test_it_polls_a_fragment_that_turns_a_silent_agent_offline(acme, alice, client_as, agent):
    agent_seen(agent_pk=agent.pk)
    Agent.objects.filter(pk=agent.pk).update(last_seen_at=timezone.now() - timedelta(minutes=5))
    html = client_as(alice).get(f"/o/{acme.slug}/agents/rows/").content.decode()
    assert html.lstrip().startswith('<tr data-agent="sage-server"')
    assert '<span class="chip offline" data-field="presence">offline</span>' in html
    assert "5\xa0minutes ago" in html


def test_it_registers_an_agent_and_shows_its_code_and_command_once(acme, alice, client_as, settings):
    client = client_as(alice)
    response = client.post(f"/o/{acme.slug}/agents/register/", {"name": "sage-server-2"})
    html = response.content.decode()
    code, command = _issued(html)
    assert command == f"ferry-agent register --portal {settings.FERRY_PUBLIC_URL} --code {code}"
    assert "valid 15 minutes" in html and 'data-agent="sage-server-2"' in html
    assert code not in client.get(f"/o/{acme.slug}/agents/").content.decode()
    agent, token = agent_register(code=code, hostname="SAGE02")
    assert agent.name == "sage-server-2" and agent.organization == acme
    assert agent_authenticate(token) == agent


def test_it_refuses_a_second_agent_of_the_same_name(acme, alice, client_as, agent):
    response = client_as(alice).post(f"/o/{acme.slug}/agents/register/", {"name": "sage-server"}, follow=True)
    assert (
        "An agent named &#x27;sage-server&#x27; exists already: choose another name."
        in response.content.decode()
    )
    assert Agent.objects.filter(organization=acme).count() == 1


def test_it_rotates_a_token_with_a_new_code(acme, alice, client_as, agent):
    _, first_token = agent_register(code=agent_create(organization=acme, name="other", actor=alice)[1])
    html = client_as(alice).post(f"/o/{acme.slug}/agents/{agent.pk}/rotate/").content.decode()
    code, _ = _issued(html)
    assert "New registration code for sage-server" in html
    registered, token = agent_register(code=code)
    assert registered == agent and agent_authenticate(token) == agent
    assert agent_authenticate(first_token).name == "other"


def test_it_detaches_attaches_and_deletes(acme, alice, client_as, agent):
    client = client_as(alice)
    detached = client.post(f"/o/{acme.slug}/agents/{agent.pk}/detach/", follow=True).content.decode()
    assert "sage-server is detached: it is disconnected and receives no runs." in detached
    assert '<span class="chip detached"' in detached
    agent.refresh_from_db()
    assert agent.detached_at is not None
    attached = client.post(f"/o/{acme.slug}/agents/{agent.pk}/attach/", follow=True).content.decode()
    assert "sage-server is attached again" in attached
    agent.refresh_from_db()
    assert agent.detached_at is None
    deleted = client.post(f"/o/{acme.slug}/agents/{agent.pk}/delete/", follow=True).content.decode()
    assert "sage-server is deleted: its tokens no longer work." in deleted
    assert not Agent.objects.filter(pk=agent.pk).exists()


def test_it_sends_update_configuration(acme, alice, client_as, agent):
    response = client_as(alice).post(f"/o/{acme.slug}/agents/{agent.pk}/update-configuration/", follow=True)
    # No published workflow yet: only the lookup tables notice goes out.
    assert "Update Configuration sent 1 notice to sage-server" in response.content.decode()
    assert AuditEvent.objects.filter(organization=acme, action="agent.update_configuration").count() == 1


def test_it_shows_viewers_agents_but_no_actions(acme, bob, bob_in_acme, client_as, agent):
    client = client_as(bob)
    html = client.get(f"/o/{acme.slug}/agents/").content.decode()
    assert 'data-agent="sage-server"' in html
    assert "Register new agent" not in html and "Rotate token" not in html and "Delete" not in html
    for action in ("rotate", "detach", "attach", "delete", "update-configuration"):
        assert client.post(f"/o/{acme.slug}/agents/{agent.pk}/{action}/").status_code == 403
    assert client.post(f"/o/{acme.slug}/agents/register/", {"name": "x"}).status_code == 403
    assert Agent.objects.filter(organization=acme).count() == 1 and agent.codes.count() == 1


def test_it_hides_agents_from_another_organization(acme, charlie, globex, client_as, agent):
    client = client_as(charlie)
    assert client.get(f"/o/{acme.slug}/agents/").status_code == 404
    assert client.get(f"/o/{acme.slug}/agents/rows/").status_code == 404
    for action in ("rotate", "detach", "delete", "update-configuration"):
        # Charlie's own organization does not lend him Acme's agent either.
        assert client.post(f"/o/{globex.slug}/agents/{agent.pk}/{action}/").status_code == 404
        assert client.post(f"/o/{acme.slug}/agents/{agent.pk}/{action}/").status_code == 404
    assert 'data-agent="sage-server"' not in client.get(f"/o/{globex.slug}/agents/").content.decode()
    agent.refresh_from_db()
    assert agent.detached_at is None and agent.codes.count() == 1
    assert not AgentToken.objects.exists()
