"""Make an organization ready to run: connections, both customer workflows generated and
published, one agent with a fresh registration code, and an owner's API token.

Used by `make demo` and by the end-to-end tests; prints JSON with what a caller needs next.
"""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.agents.models import Agent
from portal.agents.services import agent_create, agent_rotate
from portal.connectors.models import Connection
from portal.connectors.services import connection_create
from portal.tenants.models import Membership, Organization
from portal.tenants.services import api_token_create, organization_create
from portal.workflows.design import workflow_create
from portal.workflows.lifecycle import version_generate, version_publish
from portal.workflows.models import VersionState, Workflow


class Command(BaseCommand):
    help = "Seed an organization with connections, published customer workflows and an agent (prints JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="owner@demo.ferry")
        parser.add_argument("--password", default="ferry-demo-owner")
        parser.add_argument("--organization", default="Demo Company")
        parser.add_argument("--shop-url", default="http://127.0.0.1:8701")
        parser.add_argument("--sage-url", default="http://127.0.0.1:8702/Sage300WebApi/v1.0")
        parser.add_argument("--agent", default="sage-server")

    @transaction.atomic
    def handle(self, *args, email, password, organization, shop_url, sage_url, agent, **options):
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(username=email, defaults={"email": email})
        user.set_password(password)
        user.save()
        org = Organization.objects.filter(name=organization).first() or organization_create(
            name=organization, owner=user
        )
        Membership.objects.update_or_create(organization=org, user=user, defaults={"role": "owner"})
        if not Connection.objects.for_organization(org).filter(name="shopify").exists():
            connection_create(
                organization=org,
                actor=user,
                kind="shopify",
                name="shopify",
                settings={"shop_url": shop_url, "api_version": "2025-07"},
            )
        if not Connection.objects.for_organization(org).filter(name="sage300").exists():
            connection_create(
                organization=org,
                actor=user,
                kind="sage300",
                name="sage300",
                settings={"base_url": sage_url, "company": "SAMINC"},
            )
        the_agent = Agent.objects.for_organization(org).filter(name=agent).first()
        if the_agent is None:
            the_agent, code = agent_create(organization=org, name=agent, actor=user)
        else:
            code = agent_rotate(agent=the_agent, actor=user)
        workflows = {}
        for template in ("customer_add", "customer_update"):
            workflow = Workflow.objects.for_organization(org).filter(template=template).first()
            if workflow is None:
                workflow = workflow_create(organization=org, actor=user, template=template, agent=the_agent)
            if workflow.agent_id is None:
                workflow.agent = the_agent
                workflow.save(update_fields=["agent"])
            if not workflow.versions.filter(state=VersionState.PUBLISHED).exists():
                version = version_generate(workflow=workflow, actor=user)
                version_publish(workflow=workflow, version=version, actor=user)
            workflows[template] = {
                "id": workflow.pk,
                "public_id": str(workflow.public_id),
                "name": workflow.name,
            }
        _, token = api_token_create(user=user, name="integration seed")
        self.stdout.write(
            json.dumps(
                {
                    "organization": org.slug,
                    "email": email,
                    "password": password,
                    "api_token": token,
                    "agent_id": the_agent.pk,
                    "registration_code": code,
                    "workflows": workflows,
                }
            )
        )
