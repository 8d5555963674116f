"""A new admin designs, publishes, changes and rolls back a workflow in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
TAX = 'lookup("Tax", default_address.province_code, lookup("Tax", "default"))'


@pytest.fixture
def acme_ready(acme, alice):
    """Acme as an admin finds it after setting up its connections (everything made before the browser starts)."""
    from portal.connectors.services import connection_create

    connection_create(
        organization=acme, actor=alice, kind="shopify", name="shopify",
        settings={"shop_url": "https://acme.myshopify.com"}, secrets={"token": "shpat_acme"},
    )  # fmt: skip
    connection_create(
        organization=acme, actor=alice, kind="sage300", name="sage300",
        settings={"base_url": "http://sage.acme.local/Sage300WebApi/v1.0", "company": "SAMINC"},
    )  # fmt: skip
    return acme


def _row(page, target):
    return page.locator(f'#mapping-grid tr[data-target="{target}"]')


def _action(page, button_id, chip_text):
    page.click(button_id)
    expect(page.locator("#version-chip")).to_have_text(chip_text)


def test_it_designs_generates_publishes_diffs_and_rolls_back(live_server, page, acme_ready, alice, artifacts):
    from portal.workflows.models import WorkflowVersion

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", alice.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_role("link", name="Workflows", exact=True).click()
    page.click("#choose-workflow")
    page.locator('[data-template="customer_update"] button[type=submit]').click()
    expect(page.locator("#version-chip")).to_have_text("Version 1 · draft")

    # Select the Customer Update node: its value mapping grid previews the sample customer.
    page.locator('.node[data-node="customer_update"] .node-head').click()
    expect(_row(page, "CustomerName").locator(".preview-value")).to_have_text("Jane Cooper")
    _row(page, "CustomerName").locator("input.expression").fill("upper(first_name)")
    expect(_row(page, "CustomerName").locator(".preview-value")).to_have_text("JANE")

    # A bad expression shows its error at its own row; fixing it clears it.
    _row(page, "TaxGroup").locator("input.expression").fill('lookp("Tax", x)')
    expect(_row(page, "TaxGroup").locator(".row-error")).to_contain_text(
        'unknown function "lookp" (did you mean "lookup"?)'
    )
    expect(_row(page, "CustomerName").locator(".row-error")).to_have_text("")
    _row(page, "TaxGroup").locator("input.expression").fill(TAX)
    expect(_row(page, "TaxGroup").locator(".preview-value")).to_have_text("CALIF")
    expect(_row(page, "TaxGroup").locator(".row-error")).to_have_text("")
    page.screenshot(path=str(artifacts / "designer.png"), full_page=True)

    _action(page, "#btn-save", "Version 1 · draft")
    expect(page.locator("#designer-message")).to_have_text("Version 1 saved.")
    _action(page, "#btn-generate", "Version 1 · generated")
    _action(page, "#btn-publish", "Version 1 · published")
    expect(page.locator("#published-chip")).to_have_text("v1 published")

    # Editing the published version makes version 2; Generate saves it first.
    page.locator('.node[data-node="customer_update"] .node-head').click()
    _row(page, "CustomerName").locator("input.expression").fill("upper(last_name)")
    expect(_row(page, "CustomerName").locator(".preview-value")).to_have_text("COOPER")
    _action(page, "#btn-generate", "Version 2 · generated")
    _action(page, "#btn-publish", "Version 2 · published")
    expect(page.locator("#published-chip")).to_have_text("v2 published")

    page.click("#btn-versions")
    page.select_option("#diff-form select[name=a]", "1")
    page.select_option("#diff-form select[name=b]", "2")
    page.click("#diff-form button[type=submit]")
    page.screenshot(path=str(artifacts / "versions.png"), full_page=True)
    changed = page.locator('#diff tr.changed[data-target="CustomerName"]')
    expect(changed.locator("td.old")).to_have_text("upper(first_name)")
    expect(changed.locator("td.new")).to_have_text("upper(last_name)")
    expect(page.locator("#diff tr[data-target]")).to_have_count(1)

    page.locator('tr[data-version="1"]').get_by_role("button", name="Rollback to v1").click()
    expect(page.locator(".flash")).to_contain_text("Rolled back: version 1 is published again.")
    expect(page.locator('tr[data-version="1"] .chip')).to_have_text("published")
    expect(page.locator('tr[data-version="2"] .chip')).to_have_text("retired")
    states = dict(WorkflowVersion.objects.values_list("number", "state"))
    assert states == {1: "published", 2: "retired"}
    assert re.fullmatch(r"[0-9a-f]{64}", WorkflowVersion.objects.get(number=1).plan_hash)
