from portal.tenants.roles import Permission, Role, role_allows


def test_it_grants_each_role_exactly_its_rules():
    table = {
        Role.VIEWER: {Permission.READ},
        Role.OPERATOR: {Permission.READ, Permission.OPERATE},
        Role.ADMIN: {Permission.READ, Permission.OPERATE, Permission.ADMINISTER},
        Role.OWNER: {Permission.READ, Permission.OPERATE, Permission.ADMINISTER, Permission.MANAGE_MEMBERS},
    }
    for role, allowed in table.items():
        for permission in Permission:
            assert role_allows(role, permission) is (permission in allowed), (role, permission)


def test_it_allows_nothing_for_an_unknown_role():
    assert not any(role_allows("janitor", p) for p in Permission)
