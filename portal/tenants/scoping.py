"""Tenant-scoped base model: every tenant-owned row carries its organization.

Use `Model.objects.for_organization(org)` (or a selector taking `organization` first) for every
read. Access without an organization must be named `unscoped_*` and say why.
"""

from django.db import models


class TenantQuerySet(models.QuerySet):
    def for_organization(self, organization) -> "TenantQuerySet":
        return self.filter(organization=organization)


class TenantModel(models.Model):
    organization = models.ForeignKey(
        "tenants.Organization", on_delete=models.CASCADE, related_name="%(app_label)s_%(class)s_set"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
