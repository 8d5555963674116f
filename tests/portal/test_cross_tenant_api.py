"""Every API route, enumerated from the URL conf: another organization's user gets 404 and changes nothing.

No one has to remember to add a new endpoint here: it is found by walking the URL conf.
"""

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.portal.world import build_world

ORG_PREFIX = "api/orgs/<slug:org_slug>/"
# API routes outside an organization: they serve the caller's own things, checked below.
USER_SCOPED_ROUTES = {
    "api/schema/",
    "api/docs/",
    "api/orgs/",
    "api/tokens/",
    "api/tokens/<pk>/",
    "api/agents/register/",  # the one-time code is the credential (tests/portal/agents)
}
METHODS = ["get", "post", "put", "patch", "delete"]


def _pattern_text(pattern) -> str:
    text = str(pattern.pattern)
    return text.lstrip("^").rstrip("$").replace("\\.", ".")


def _walk(patterns, prefix="", kwargs=frozenset()):
    for entry in patterns:
        text = prefix + _pattern_text(entry)
        names = set(kwargs)
        regex = getattr(entry.pattern, "regex", None)
        if regex is not None:
            names |= set(regex.groupindex)
        names |= set(getattr(entry.pattern, "converters", {}))
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, text, frozenset(names))
        elif isinstance(entry, URLPattern):
            yield text, entry, frozenset(names)


def api_routes():
    return [
        (text, entry, names)
        for text, entry, names in _walk(get_resolver().url_patterns)
        if text.startswith("api/")
    ]


def _normalized(text: str) -> str:
    import re

    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", text)


def _view_model(entry):
    view = getattr(entry.callback, "cls", None)
    queryset = getattr(view, "queryset", None)
    return queryset.model if queryset is not None else None


def tenant_models():
    return [m for m in apps.get_models() if m.__module__.startswith("portal.")]


def database_snapshot():
    return {m._meta.label: list(m.objects.order_by("pk").values()) for m in tenant_models()}


def _url_for(entry, names, *, org_slug, world):
    kwargs = {}
    for name in names:
        if name == "org_slug":
            kwargs[name] = org_slug
        elif name == "pk":
            model = _view_model(entry)
            assert model is not None, f"{entry.name}: a detail route whose view has no queryset model"
            assert model in world, f"tests/portal/world.py builds no {model.__name__}: add one"
            kwargs[name] = world[model].pk
        else:
            raise AssertionError(f"{entry.name}: URL argument {name!r} is unknown to the cross-tenant test")
    return reverse(entry.name, kwargs=kwargs)


@pytest.fixture
def acme_world(acme, alice, bob_in_acme):
    return build_world(organization=acme, owner=alice, member=bob_in_acme.user)


def test_it_finds_organization_routes():
    texts = [_normalized(text) for text, _, _ in api_routes()]
    assert any(t.startswith(ORG_PREFIX + "members/") for t in texts)


def test_it_knows_every_api_route_as_organization_or_user_scoped():
    for text, entry, _ in api_routes():
        normalized = _normalized(text)
        assert normalized.startswith(ORG_PREFIX) or normalized in USER_SCOPED_ROUTES, (
            f"API route {normalized} ({entry.name}) is neither under {ORG_PREFIX} nor known as user-scoped"
        )


@pytest.mark.django_db
def test_it_answers_404_to_another_organization_on_every_route(acme, acme_world, globex, charlie, api_as):
    api = api_as(charlie)
    checked = 0
    before = database_snapshot()
    for _text, entry, names in api_routes():
        if "org_slug" not in names:
            continue
        # Charlie names Acme in the URL...
        url = _url_for(entry, names, org_slug=acme.slug, world=acme_world)
        for method in METHODS:
            response = getattr(api, method)(url, data={}, format="json")
            assert response.status_code == 404, (
                f"{method.upper()} {url} gave {response.status_code} to Charlie"
            )
            checked += 1
        # ...or names his own organization with Acme's object ids.
        if "pk" in names:
            url = _url_for(entry, names, org_slug=globex.slug, world=acme_world)
            statuses = set()
            for method in METHODS:
                response = getattr(api, method)(url, data={}, format="json")
                # In his own organization a method the route lacks is 405 whatever the id; every
                # method the route has must not find Acme's object.
                assert response.status_code in (404, 405), (
                    f"{method.upper()} {url} gave {response.status_code}"
                )
                statuses.add(response.status_code)
                checked += 1
            assert 404 in statuses, f"{url}: no method reached the object lookup"
    assert checked >= 20
    assert database_snapshot() == before


@pytest.mark.django_db
def test_it_answers_401_or_403_to_anonymous_callers_on_every_route(acme, acme_world, api_client):
    before = database_snapshot()
    for _text, entry, names in api_routes():
        if "org_slug" not in names:
            continue
        url = _url_for(entry, names, org_slug=acme.slug, world=acme_world)
        for method in METHODS:
            response = getattr(api_client, method)(url, data={}, format="json")
            assert response.status_code in (401, 403), (
                f"anonymous {method.upper()} {url}: {response.status_code}"
            )
    assert database_snapshot() == before


@pytest.mark.django_db
def test_it_hides_another_users_tokens(alice, charlie, api_as):
    token_id = api_as(alice).post("/api/tokens/", {"name": "alice script"}, format="json").data["id"]
    api = api_as(charlie)
    assert api.get("/api/tokens/").data == []
    assert api.delete(f"/api/tokens/{token_id}/").status_code == 404
    assert api_as(alice).get("/api/tokens/").data[0]["revoked_at"] is None
