"""The Connections page: list, add, edit settings and secrets, delete. Secret values are never shown."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.connectors import services
from portal.connectors.kinds import KINDS
from portal.connectors.models import Connection
from portal.connectors.selectors import connection_secret_flags, organization_connections
from portal.tenants.access import org_page
from portal.tenants.roles import Permission


def _posted(request, kind: str) -> tuple[dict, dict]:
    spec = KINDS[kind]
    settings = {name: request.POST.get(f"setting_{name}", "") for name in spec.settings}
    # A blank secret field means "keep the current one": secrets are never echoed back to fill it.
    secrets = {name: value for name in spec.secrets if (value := request.POST.get(f"secret_{name}", ""))}
    return settings, secrets


def _form_fields(kind: str, connection: Connection | None = None) -> dict:
    spec = KINDS[kind]
    values = connection.settings if connection else spec.defaults
    flags = connection_secret_flags(connection) if connection else {}
    return {
        "settings": [(name, help_text, values.get(name, ""), name in spec.required_settings)
                     for name, help_text in spec.settings.items()],
        "secrets": [(name, help_text, flags.get(name, False)) for name, help_text in spec.secrets.items()],
    }  # fmt: skip


@org_page(Permission.READ)
def connection_list(request, organization):
    rows = [(c, _form_fields(c.kind, c)) for c in organization_connections(organization)]
    kinds = [(kind, spec.label, _form_fields(kind)) for kind, spec in KINDS.items()]
    return render(
        request, "connectors/list.html", {"organization": organization, "rows": rows, "kinds": kinds}
    )


@require_POST
@org_page(Permission.ADMINISTER)
def connection_create(request, organization):
    kind = request.POST.get("kind", "")
    try:
        if kind not in KINDS:
            raise ValidationError("Choose Shopify or Sage 300.")
        settings, secrets = _posted(request, kind)
        connection = services.connection_create(
            organization=organization, actor=request.user, kind=kind, name=request.POST.get("name", ""),
            settings=settings, secrets=secrets,
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"Connection {connection.name} added.")
    return redirect("connection_list", org_slug=organization.slug)


@require_POST
@org_page(Permission.ADMINISTER)
def connection_edit(request, organization, pk):
    connection = get_object_or_404(Connection.objects.for_organization(organization), pk=pk)
    settings, secrets = _posted(request, connection.kind)
    try:
        services.connection_update(
            connection=connection, actor=request.user, settings=settings, secrets=secrets
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"Connection {connection.name} saved.")
    return redirect("connection_list", org_slug=organization.slug)


@require_POST
@org_page(Permission.ADMINISTER)
def connection_delete(request, organization, pk):
    connection = get_object_or_404(Connection.objects.for_organization(organization), pk=pk)
    services.connection_delete(connection=connection, actor=request.user)
    messages.success(request, f"Connection {connection.name} deleted.")
    return redirect("connection_list", org_slug=organization.slug)
