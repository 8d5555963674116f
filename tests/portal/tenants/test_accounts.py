import pytest

from portal.tenants.models import AuditEvent, Membership, Organization


@pytest.mark.django_db
def test_it_signs_up_a_user_with_a_new_organization(client):
    response = client.post(
        "/signup/",
        {
            "full_name": "Alice Owner",
            "email": "Alice@Acme.test",
            "password": "a-long-pass-phrase",
            "organization_name": "Acme Inc",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/o/acme-inc/"
    membership = Membership.objects.get(user__email="alice@acme.test")
    assert (membership.organization.name, membership.role) == ("Acme Inc", "owner")
    assert (
        AuditEvent.objects.filter(organization=membership.organization, action="organization.created").count()
        == 1
    )
    assert client.get("/o/acme-inc/").status_code == 200


@pytest.mark.django_db
def test_it_refuses_a_short_password_and_a_taken_email(client, alice):
    response = client.post(
        "/signup/",
        {"full_name": "X", "email": "alice@acme.test", "password": "short", "organization_name": "Y"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "log in instead" in form.errors["email"][0]
    assert "too short" in form.errors["password"][0]
    assert Organization.objects.count() == 0


@pytest.mark.django_db
def test_it_logs_in_and_out(client, alice, acme):
    response = client.post("/login/", {"username": "alice@acme.test", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert client.get("/", follow=True).request["PATH_INFO"] == "/o/acme/"
    client.post("/logout/")
    assert client.get("/o/acme/").status_code == 302


@pytest.mark.django_db
def test_it_gives_distinct_slugs_to_organizations_with_the_same_name(alice, charlie):
    from portal.tenants.services import organization_create

    assert organization_create(name="Acme", owner=alice).slug == "acme"
    assert organization_create(name="Acme", owner=charlie).slug == "acme-2"


@pytest.mark.django_db
def test_it_switches_organization_and_remembers_it(client_as, alice, acme, globex, charlie):
    from portal.tenants.models import Membership

    Membership.objects.create(organization=globex, user=alice, role="viewer")
    client = client_as(alice)
    assert client.get("/o/globex/").status_code == 200
    assert client.get("/")["Location"] == "/o/globex/"
    page = client.get("/o/acme/").content.decode()
    assert 'href="/o/globex/"' in page and 'href="/o/acme/"' in page


@pytest.mark.django_db
def test_it_answers_404_for_an_organization_page_of_another_tenant(client_as, charlie, acme, globex):
    client = client_as(charlie)
    for path in ["/o/acme/", "/o/acme/members/", "/o/acme/audit/"]:
        assert client.get(path).status_code == 404
    assert client.post("/o/acme/members/invite/", {"role": "owner"}).status_code == 404
