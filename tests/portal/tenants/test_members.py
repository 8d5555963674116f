import re

import pytest

from portal.tenants.models import AuditEvent, Invitation, Membership


@pytest.mark.django_db
def test_it_invites_a_member_by_link_who_signs_up_and_joins(client_as, client, alice, acme):
    owner = client_as(alice)
    owner.post("/o/acme/members/invite/", {"role": "operator", "email": ""})
    page = owner.get("/o/acme/members/").content.decode()
    link = re.search(r'id="invitation-link">([^<]+)<', page).group(1)
    path = link.split("127.0.0.1:8000", 1)[1]
    assert Invitation.objects.get().token_hash not in link  # only the hash is stored
    owner.logout()
    response = client.post(
        path, {"full_name": "Olga Operator", "email": "olga@acme.test", "password": "operators-pass-1"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user__email="olga@acme.test").role == "operator"
    assert client.get(path).status_code == 410  # a link works once


@pytest.mark.django_db
def test_it_lets_an_existing_user_accept_an_invitation(client_as, alice, acme, charlie, globex):
    from portal.tenants.services import invitation_create

    _, raw = invitation_create(organization=acme, role="viewer", actor=alice)
    client = client_as(charlie)
    assert client.get(f"/invite/{raw}/").status_code == 200
    assert client.post(f"/invite/{raw}/")["Location"] == "/o/acme/"
    assert Membership.objects.get(user=charlie, organization=acme).role == "viewer"


@pytest.mark.django_db
def test_it_lets_only_owners_change_roles(client_as, api_as, alice, acme, bob_in_acme):
    bob_in_acme.role = "admin"
    bob_in_acme.save()
    alice_membership = Membership.objects.get(user=alice)
    response = api_as(bob_in_acme.user).patch(
        f"/api/orgs/acme/members/{alice_membership.pk}/", {"role": "viewer"}
    )
    assert response.status_code == 403
    response = api_as(alice).patch(
        f"/api/orgs/acme/members/{bob_in_acme.pk}/", {"role": "operator"}, format="json"
    )
    assert response.status_code == 200 and response.data["role"] == "operator"
    event = AuditEvent.objects.get(action="member.role_changed")
    assert event.data == {"user": "bob@acme.test", "from": "admin", "to": "operator"}


@pytest.mark.django_db
def test_it_keeps_the_last_owner(api_as, alice, acme):
    membership = Membership.objects.get(user=alice)
    response = api_as(alice).patch(
        f"/api/orgs/acme/members/{membership.pk}/", {"role": "admin"}, format="json"
    )
    assert response.status_code == 400
    assert (
        response.data["detail"] == "An organization needs at least one owner: make someone else owner first."
    )
    assert api_as(alice).delete(f"/api/orgs/acme/members/{membership.pk}/").status_code == 400
    assert Membership.objects.get(user=alice).role == "owner"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"), [("viewer", 403), ("operator", 403), ("admin", 403), ("owner", 201)]
)
def test_it_lets_only_owners_invite(api_as, acme, bob_in_acme, role, status):
    bob_in_acme.role = role
    bob_in_acme.save()
    response = api_as(bob_in_acme.user).post("/api/orgs/acme/invitations/", {"role": "viewer"}, format="json")
    assert response.status_code == status
    if status == 201:
        assert response.data["link"].startswith("http://127.0.0.1:8000/invite/ferry_inv_")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"), [("viewer", 403), ("operator", 403), ("admin", 200), ("owner", 200)]
)
def test_it_shows_the_audit_log_to_admins(api_as, acme, bob_in_acme, role, status):
    bob_in_acme.role = role
    bob_in_acme.save()
    assert api_as(bob_in_acme.user).get("/api/orgs/acme/audit-events/").status_code == status
