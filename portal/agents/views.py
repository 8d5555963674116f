"""The Agents page: presence (polled every 5 s by htmx), registration codes and the admin actions.

A registration code is shown once, in the response to the POST that made it: it is never stored
in the session or a message, so a reload cannot show it again.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal.agents import services
from portal.agents.api import registration_code_response
from portal.agents.selectors import agent_of, organization_agents
from portal.tenants.access import org_page
from portal.tenants.roles import Permission


def _page(request, organization, *, issued: dict | None = None):
    context = {"organization": organization, "rows": organization_agents(organization), "issued": issued}
    return render(request, "agents/list.html", context)


def _agent(organization, pk):
    agent = agent_of(organization, pk)
    if agent is None:
        raise Http404("No such agent.")
    return agent


@org_page(Permission.READ)
def agent_list(request, organization):
    return _page(request, organization)


@org_page(Permission.READ)
def agent_table(request, organization):
    """The table's body alone: what the page polls to keep presence and resources current."""
    return render(
        request,
        "agents/_rows.html",
        {"organization": organization, "rows": organization_agents(organization)},
    )


@require_POST
@org_page(Permission.ADMINISTER)
def agent_register(request, organization):
    try:
        agent, code = services.agent_create(
            organization=organization, actor=request.user, name=request.POST.get("name", "")
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("agent_list", org_slug=organization.slug)
    issued = {"agent": agent, "new": True, **registration_code_response(code)}
    return _page(request, organization, issued=issued)


@require_POST
@org_page(Permission.ADMINISTER)
def agent_rotate(request, organization, pk):
    agent = _agent(organization, pk)
    code = services.agent_rotate(agent=agent, actor=request.user)
    return _page(
        request, organization, issued={"agent": agent, "new": False, **registration_code_response(code)}
    )


def _agent_action(service, done: str):
    """A POST-only admin action on one agent that ends back on the agent list with `done`."""

    @require_POST
    @org_page(Permission.ADMINISTER)
    def view(request, organization, pk):
        agent = _agent(organization, pk)
        service(agent=agent, actor=request.user)
        messages.success(request, done.format(name=agent.name))
        return redirect("agent_list", org_slug=organization.slug)

    return view


agent_detach = _agent_action(
    services.agent_detach, "{name} is detached: it is disconnected and receives no runs."
)
agent_attach = _agent_action(
    services.agent_attach, "{name} is attached again: it may reconnect and receive runs."
)
agent_delete = _agent_action(services.agent_delete, "{name} is deleted: its tokens no longer work.")


@require_POST
@org_page(Permission.ADMINISTER)
def agent_update_configuration(request, organization, pk):
    agent = _agent(organization, pk)
    sent = services.agent_update_configuration(agent=agent, actor=request.user)
    messages.success(
        request,
        f"Update Configuration sent {sent} notice{'s' if sent != 1 else ''} to {agent.name}: "
        "it pulls the published plans and lookup tables when it is online.",
    )
    return redirect("agent_list", org_slug=organization.slug)
