"""`make demo`: the whole product on the embedded default, with a scripted story.

Starts both emulators (500 customers), the portal (SQLite, in-memory channel layer, tasks
in-process) and one agent; seeds an organization with three users, connections, lookup tables
and both customer workflows published; runs Customer Add, applies 50 edits in Shopify, runs
Customer Update with its Address Update post-task, checks Sage and prints a summary. Then
everything keeps running until Ctrl-C. `--once` stops after the story: exit 0 only if Sage is right.
"""

import json
import os
import shutil
import signal
import sys
import time
import tomllib
from io import StringIO
from pathlib import Path

import requests
import tomli_w
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from portal.demo.check import sage_matches
from portal.demo.processes import Processes, port_pick, wait_listening
from portal.demo.story import PortalApi, run_summary
from portal.tenants.models import Membership, Organization
from portal.workflows.models import VersionState, WorkflowVersion
from portal.workflows.selectors import lookup_tables_payload

USERS = [
    ("operator@demo.ferry", "ferry-demo-operator", "operator"),
    ("viewer@demo.ferry", "ferry-demo-viewer", "viewer"),
]


class Command(BaseCommand):
    help = "Run the whole product with emulators and one agent, and play the customer story."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="play the story, check Sage, stop")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--customers", type=int, default=500)

    def handle(self, *args, once, host, port, customers, **options):
        if "sqlite" not in settings.DATABASES["default"]["ENGINE"]:
            raise CommandError("the demo runs on the embedded SQLite database: unset DATABASE_URL")
        home = Path(settings.VAR_DIR) / "demo"
        self._fresh_start(home)
        processes = Processes(home)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            ok = self._play(processes, home, host, port, customers)
            if once:
                if not ok:
                    raise CommandError(
                        "Sage 300 does not hold what the workflows should have written (see above)"
                    )
                return
            self.stdout.write(
                "Everything keeps running: edit a customer in Shopify and press Run. Ctrl-C stops."
            )
            while all(p.poll() is None for _, p in processes.running):
                time.sleep(1)
            raise CommandError("a demo process stopped: see var/demo/*.log")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping the demo.")
        finally:
            processes.stop_all()

    def _fresh_start(self, home: Path) -> None:
        """Every demo starts clean: new emulators, so the portal and the agent must forget too."""
        connections.close_all()
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        database = Path(settings.DATABASES["default"]["NAME"])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0, interactive=False)

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def _play(self, processes: Processes, home: Path, host: str, port: int, customers: int) -> bool:
        shop_port, sage_port = port_pick(8701), port_pick(8702)
        shop_url, sage_url = f"http://127.0.0.1:{shop_port}", f"http://127.0.0.1:{sage_port}"
        portal_url = f"http://{host}:{port}"
        self._say(f"Starting the Shopify emulator ({customers} customers) and the Sage 300 emulator…")
        shop = processes.start(
            "shopify",
            [
                "-m",
                "emulators.shopify",
                "--port",
                str(shop_port),
                "--customers",
                str(customers),
                "--seed",
                "7",
                "--plan",
                "standard",
            ],
        )
        sage = processes.start(
            "sage300", ["-m", "emulators.sage300", "--port", str(sage_port), "--company", "SAMINC"]
        )
        wait_listening(shop_port, shop, "the Shopify emulator")
        wait_listening(sage_port, sage, "the Sage 300 emulator")

        seeded = self._seed(shop_url, f"{sage_url}/Sage300WebApi/v1.0")
        self._say(f"Starting the portal on {portal_url} …")
        portal = processes.start(
            "portal",
            ["-m", "portal.serve", "--host", host, "--port", str(port)],
            env={**os.environ, "FERRY_PUBLIC_URL": portal_url},
        )
        wait_listening(port, portal, "the portal")

        self._say("Registering and starting the agent…")
        config = self._agent_configure(
            home, portal_url, seeded["registration_code"], shop_url, f"{sage_url}/Sage300WebApi/v1.0"
        )
        processes.start("agent", ["-m", "agent_client", "--config", str(config), "run"])
        api = PortalApi(portal_url, seeded["organization"], seeded["api_token"])
        agent = api.agent_online()
        self._say(f"Agent {agent['name']} is online (ferry-agent {agent['version']} on {agent['hostname']}).")

        add, seconds = api.run(seeded["workflows"]["customer_add"]["id"])
        self._say(run_summary("Customer Add", add, seconds))
        touched = requests.post(
            f"{shop_url}/_emulator/touch", json={"count": 50, "seed": 1}, timeout=30
        ).json()
        self._say(
            f"Shopify: {len(touched['touched'])} customers edited (names, emails, addresses added and removed)."
        )
        update, seconds = api.run(seeded["workflows"]["customer_update"]["id"])
        self._say(run_summary("Customer Update (+ Address Update)", update, seconds))

        problems = self._check(shop_url, f"{sage_url}/Sage300WebApi/v1.0", seeded)
        if problems:
            self._say(f"Sage 300 check: {len(problems)} problem(s):")
            for problem in problems[:20]:
                self._say(f"    {problem}")
        else:
            self._say(
                f"Sage 300 check: every Shopify customer and ship-to location is right ({customers} customers)."
            )
        self._say("")
        self._say(f"Portal:              {portal_url}/login/")
        for email, password, role in [(seeded["email"], seeded["password"], "owner"), *USERS]:
            self._say(f"    {role:<9} {email} / {password}")
        self._say(f"Shopify emulator:    {shop_url}/")
        self._say(f"Sage 300 A/R Customers: {sage_url}/")
        ok = not problems and add["status"] == "succeeded" and update["status"] == "succeeded"
        self._say(
            "Ferry demo is ready: open "
            + f"{portal_url}/login/ and log in as {seeded['email']} / {seeded['password']}"
        )
        return ok

    def _seed(self, shop_url: str, sage_url: str) -> dict:
        out = StringIO()
        call_command("integration_seed", "--shop-url", shop_url, "--sage-url", sage_url, stdout=out)
        seeded = json.loads(out.getvalue().strip().splitlines()[-1])
        organization = Organization.objects.get(slug=seeded["organization"])
        for email, password, role in USERS:
            user, _ = get_user_model().objects.get_or_create(username=email, defaults={"email": email})
            user.set_password(password)
            user.save()
            Membership.objects.update_or_create(organization=organization, user=user, defaults={"role": role})
        return seeded

    def _agent_configure(self, home: Path, portal_url: str, code: str, shop_url: str, sage_url: str) -> Path:
        import subprocess

        config = home / "ferry-agent.toml"
        base = [sys.executable, "-m", "agent_client", "--config", str(config)]
        for args in (
            [
                "config",
                "init",
                "--shop-url",
                shop_url,
                "--shopify-token",
                "shpat_demo",
                "--sage-url",
                sage_url,
                "--company",
                "SAMINC",
                "--user",
                "WEBAPI",
                "--password",
                "webapi",
            ],
            ["register", "--portal", portal_url, "--code", code],
        ):
            result = subprocess.run([*base, *args], capture_output=True, text=True, timeout=60)
            if result.returncode != 0:
                raise CommandError(f"ferry-agent {args[0]}: {result.stderr.strip() or result.stdout.strip()}")
        data = tomllib.loads(config.read_text())
        data["portal"]["auto_update"] = True  # the demo agent pulls what the portal publishes
        config.write_text(tomli_w.dumps(data))
        return config

    def _check(self, shop_url: str, sage_url: str, seeded: dict) -> list[str]:
        organization = Organization.objects.get(slug=seeded["organization"])
        plans = {
            v.workflow.template: v.plan_json
            for v in WorkflowVersion.objects.for_organization(organization)
            .filter(state=VersionState.PUBLISHED)
            .select_related("workflow")
        }
        _, tables = lookup_tables_payload(organization)
        return sage_matches(
            shop_url=shop_url,
            sage_url=sage_url,
            add_plan=plans["customer_add"],
            update_plan=plans["customer_update"],
            tables=tables,
        )
