"""deploy/compose.yaml and nginx.conf: they parse, name files that exist, and wire the topology right.

Docker is not available where the tests run, so the files are checked by reading them.
"""

import re
from pathlib import Path

import yaml

from tests.helpers import ROOT

DEPLOY = ROOT / "deploy"


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _existing(path: Path) -> Path:
    # The operator creates ferry.env from the example that ships with the repository.
    return path.with_name("ferry.env.example") if path.name == "ferry.env" else path


def test_it_parses_and_names_only_files_that_exist():
    services = _compose()["services"]
    referenced = []
    for name, service in services.items():
        build = service.get("build")
        if build:
            context = (DEPLOY / build["context"]).resolve()
            assert context == ROOT, name
            referenced += [context / build["dockerfile"]]
        env_files = service.get("env_file", [])
        referenced += [DEPLOY / f for f in ([env_files] if isinstance(env_files, str) else env_files)]
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                referenced.append(DEPLOY / source)
            else:
                assert source in _compose()["volumes"], f"{name}: volume {source} is not declared"
    assert len(referenced) >= 10
    for path in referenced:
        assert _existing(path).exists(), f"compose.yaml refers to {path}, which does not exist"


def test_it_runs_the_production_topology():
    services = _compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "portal1", "portal2", "worker", "beat", "nginx"}
    dockerfile = (DEPLOY / "Dockerfile.portal").read_text()
    assert 'CMD ["python", "-m", "portal.serve", "--host", "0.0.0.0", "--port", "8000"]' in dockerfile
    for portal in ("portal1", "portal2"):
        assert "command" not in services[portal]  # the image's CMD: portal.serve, never bare uvicorn
        assert services[portal]["healthcheck"]["test"][:3] == ["CMD", "python", "deploy/healthcheck.py"]
        assert services[portal]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    assert services["worker"]["command"] == ["celery", "-A", "portal", "worker", "-Q", "ferry", "-l", "info"]
    assert services["beat"]["command"] == ["celery", "-A", "portal", "beat", "-l", "info"]
    for name in ("portal1", "portal2", "worker", "beat", "migrate"):
        assert services[name]["env_file"] == "ferry.env", name
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile.portal", name
    assert "ports" not in services["portal1"] and "ports" not in services["postgres"]
    assert services["nginx"]["ports"] == ["80:80", "443:443"]
    for name in ("postgres", "redis", "portal1", "portal2", "worker", "nginx"):
        assert "healthcheck" in services[name], name


def test_it_builds_images_as_a_non_root_user_with_only_what_they_need():
    portal = (DEPLOY / "Dockerfile.portal").read_text()
    agent = (DEPLOY / "Dockerfile.agent").read_text()
    for dockerfile in (portal, agent):
        assert dockerfile.count("FROM python:3.11-slim") == 1
        assert re.search(r"^USER ferry", dockerfile, re.MULTILINE)
    assert "pip install -r requirements/prod.txt" in portal
    assert "collectstatic --noinput" in portal
    assert re.findall(r"^RUN pip install .*$", agent, re.MULTILINE) == [
        "RUN pip install /tmp/agent_client \\"
    ]
    assert 'CMD ["ferry-agent", "run"]' in agent
    for copied in re.findall(r"^COPY (\S+)", portal + agent, re.MULTILINE):
        assert (ROOT / copied).exists(), copied


def test_it_proxies_websockets_to_both_portals():
    conf = (DEPLOY / "nginx.conf").read_text()
    assert conf.count("{") == conf.count("}")
    upstream = re.search(r"upstream ferry_portals \{(.*?)\}", conf, re.DOTALL)[1]
    assert re.findall(r"server (\S+)", upstream) == ["portal1:8000", "portal2:8000"]
    websocket = re.search(r"location /ws/ \{(.*?)\}", conf, re.DOTALL)[1]
    assert "proxy_set_header Upgrade $http_upgrade;" in websocket
    assert "proxy_set_header Connection $connection_upgrade;" in websocket
    assert "proxy_read_timeout 3600s;" in websocket
    # Each proxied location sets its own headers, so each must repeat the forwarding ones.
    for location in re.findall(r"location (\S+) \{(.*?)\}", conf, re.DOTALL):
        if "proxy_pass" in location[1]:
            assert "proxy_set_header X-Forwarded-Proto $scheme;" in location[1], location[0]
            assert "proxy_set_header Host $host;" in location[1], location[0]
    assert re.search(r"client_max_body_size \d+m;", conf)
    mounted = [v for v in _compose()["services"]["nginx"]["volumes"] if "nginx.conf" in v]
    assert mounted == ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
