"""deploy/: what the Dockerfile, compose file, systemd unit and nginx site promise.

Docker has no engine here, so the container files are read, not run: the base image, a
non-root user, the health check route, the headless `streamlit run app.py`, the store
shared read-only. The nginx site is rendered the way the replica benchmark renders it and,
where Debian's nginx is installed, checked with `nginx -t`; one websocket session then goes
through a real nginx to a real Streamlit server, so the upgrade headers are proved to work.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import urllib.request
from pathlib import Path

import pytest
import yaml

from benchmarks import replicas

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
needs_nginx = pytest.mark.skipif(
    not replicas.nginx_available(), reason="Debian's nginx is not installed"
)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with comments dropped (as Docker drops them, also inside a
    continued instruction) and continuation lines joined."""
    lines = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not line.strip().startswith("#"))
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        word, _, rest = stripped.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


# --------------------------------------------------------------------------- Dockerfile


def test_dockerfile_base_image_user_and_health_check() -> None:
    steps = dockerfile_instructions()
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [args for kind, args in steps if kind == "USER"]
    assert users and users[-1] not in {"root", "0"} and not users[-1].startswith("0:")
    # The last USER comes after every RUN, so the server never runs as root.
    last_user = max(i for i, (kind, _) in enumerate(steps) if kind == "USER")
    assert all(i < last_user for i, (kind, _) in enumerate(steps) if kind == "RUN")
    assert any(kind == "RUN" and "pip install -r requirements.txt" in args for kind, args in steps)
    health = [args for kind, args in steps if kind == "HEALTHCHECK"]
    assert len(health) == 1 and "/_stcore/health" in health[0] and "CMD" in health[0]
    cmd = [args for kind, args in steps if kind == "CMD"][-1]
    assert cmd.startswith("[")  # exec form: streamlit is PID 1 and gets SIGTERM
    words = yaml.safe_load(cmd)  # a JSON array is YAML too
    assert words[:5] == ["python", "-m", "streamlit", "run", "app.py"]
    assert "--server.headless=true" in words
    port = next(w for w in words if w.startswith("--server.port="))
    assert port == "--server.port=8501" and ("EXPOSE", "8501") in steps


def test_dockerfile_byte_compiles_the_app_after_copying_it() -> None:
    """PYTHONDONTWRITEBYTECODE keeps replicas from caching bytecode, so the image carries it:
    otherwise each new replica compiles components/ and equity/ on its first visits."""
    steps = dockerfile_instructions()
    copy_source = steps.index(("COPY", ". ."))
    compiles = [i for i, (kind, args) in enumerate(steps) if kind == "RUN" and "compileall" in args]
    assert compiles and compiles[0] > copy_source
    args = steps[compiles[0]][1].split()
    assert {"components", "equity"} <= set(args)


def test_dockerfile_keeps_the_default_views_answers_in_its_store() -> None:
    """After the store is in place and before the server's user is: the answers are read by
    that user and written by no one else (equity/answers.py)."""
    steps = dockerfile_instructions()
    runs = [args for kind, args in steps if kind == "RUN"]
    (step,) = [args for args in runs if "scripts/answers_ahead.py" in args]
    assert "--store /srv/equity/store" in step
    assert step.index("cp -r data/store /srv/equity/store") < step.index("answers_ahead.py")


def test_dockerfile_names_the_shared_store() -> None:
    env = " ".join(args for kind, args in dockerfile_instructions() if kind == "ENV")
    assert "EQUITY_STORE=/srv/equity/store" in env
    assert "EQUITY_USER_STORE=/srv/equity/user-store" in env
    assert "EQUITY_PRIVATE_ROOT=/srv/equity/private" in env


# --------------------------------------------------------------------------- compose


def test_compose_runs_replicas_on_a_read_only_store_behind_nginx() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    apps = {name: s for name, s in services.items() if name != "nginx"}
    assert len(apps) >= 2
    for name, service in apps.items():
        assert service["build"]["dockerfile"] == "deploy/Dockerfile", name
        assert service["environment"]["EQUITY_STORE"] == "/srv/equity/store"
        for folder in ("/srv/equity/store", "/srv/equity/user-store"):
            mounts = [v for v in service["volumes"] if f":{folder}:" in f"{v}:"]
            assert len(mounts) == 1 and mounts[0].endswith(":ro"), (name, folder)
        # Private uploads: one named volume shared by every replica, writable.
        assert service["environment"]["EQUITY_PRIVATE_ROOT"] == "/srv/equity/private"
        assert "private:/srv/equity/private" in service["volumes"], name
    assert "private" in compose["volumes"]
    nginx = services["nginx"]
    mount = next(v for v in nginx["volumes"] if "/etc/nginx/conf.d/" in v)
    assert mount.startswith("./nginx/compose.conf:")
    assert set(nginx["depends_on"]) == set(apps)
    assert all(d["condition"] == "service_healthy" for d in nginx["depends_on"].values())
    # The site nginx gets lists exactly these replicas.
    site = (DEPLOY / "nginx" / "compose.conf").read_text(encoding="utf-8")
    upstream = re.findall(r"^\s*server (\S+) ", site, re.M)
    fixed = [s["networks"]["equity"]["ipv4_address"] for s in apps.values()]
    assert upstream == [f"{address}:8501" for address in fixed]
    assert len(set(fixed)) == len(fixed)
    assert "equity" in services["nginx"]["networks"]


def test_compose_site_is_the_deployed_site_rendered() -> None:
    """compose.conf is generated (python3 -m benchmarks.replicas --compose), never edited."""
    expected = replicas.render_site(
        list(replicas.COMPOSE_REPLICAS), ["80"], cache=replicas.COMPOSE_CACHE
    )
    assert (DEPLOY / "nginx" / "compose.conf").read_text(encoding="utf-8") == expected


# --------------------------------------------------------------------------- systemd


def test_systemd_template_runs_one_replica_per_instance_port() -> None:
    unit = (DEPLOY / "systemd" / "equity-explorer@.service").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n\s*", " ", unit)
    exec_start = next(line for line in joined.splitlines() if line.startswith("ExecStart="))
    words = shlex.split(exec_start.removeprefix("ExecStart="))
    assert words[1:5] == ["-m", "streamlit", "run", "app.py"]
    assert "--server.port=%i" in words and "--server.headless=true" in words
    assert "--server.address=127.0.0.1" in words  # only nginx reaches the replicas
    assert re.search(r"^User=(?!root$)\w+$", unit, re.M)
    assert "Environment=EQUITY_STORE=/srv/equity/store" in unit
    assert "ReadOnlyPaths=/srv/equity/store /srv/equity/user-store" in unit
    assert "ReadWritePaths=/srv/equity/private" in unit


# --------------------------------------------------------------------------- nginx


def test_site_keeps_a_session_on_one_replica_and_upgrades_the_websocket() -> None:
    site = replicas.SITE.read_text(encoding="utf-8")
    # Sticky: the cookie names the replica that answered; a request carrying it goes there,
    # one without it (or naming no listed replica) goes to the upstream.
    sticky = re.search(
        rf"map \$cookie_{replicas.STICKY_COOKIE} \$equity_backend {{(.*?)}}", site, re.S
    )
    assert sticky is not None
    assert "default equity_explorer;" in sticky.group(1)
    assert "add_header Set-Cookie $equity_replica_cookie always;" in site
    assert f'"{replicas.STICKY_COOKIE}=$equity_answered;' in site
    # Every location that proxies goes by the cookie, and falls back to the upstream when
    # the cookie's replica does not answer.
    for location in re.findall(r"location (?:= )?/\S* {(.*?)}", site, re.S):
        if "proxy_pass" in location:
            assert "proxy_pass http://$equity_backend;" in location
    for fallback in re.findall(r"error_page 502 504 = (@\w+);", site):
        assert re.search(rf"location {fallback} {{[^}}]*proxy_pass http://equity_explorer;", site)
    # The websocket, the health check a dropped browser polls before reconnecting,
    # Streamlit's files, pages.
    assert len(re.findall(r"error_page 502 504 = @\w+;", site)) == 4
    stream = site.split("location = /_stcore/stream", 1)[1].split("}", 1)[0]
    assert "proxy_set_header Upgrade $http_upgrade;" in stream
    assert "proxy_set_header Connection $equity_connection_upgrade;" in stream
    timeout = re.search(r"proxy_read_timeout (\d+)([smhd]);", stream)
    assert timeout is not None
    seconds = int(timeout.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[timeout.group(2)]
    assert seconds >= 3600
    # Host with its port: Streamlit refuses a websocket whose Origin differs from its Host.
    assert "proxy_set_header Host $http_host;" in site
    assert "location = /_stcore/health" in site and "location = /nginx-health" in site
    assert "client_max_body_size 200m;" in site  # .streamlit/config.toml maxUploadSize


def test_site_keeps_copies_of_streamlits_hashed_files_only() -> None:
    """Only /static/ (content-hashed names, sent as immutable) is cached, keyed on the path;
    the page itself ("/", sent as no-cache, naming its version's files) never is."""
    site = replicas.SITE.read_text(encoding="utf-8")
    assert re.search(r"^proxy_cache_path /var/lib/nginx/\S+ .*keys_zone=equity_static:", site, re.M)
    locations = dict(re.findall(r"location (?:= )?(/\S*) {(.*?)}", site, re.S))
    cached = {path for path, body in locations.items() if "proxy_cache " in body}
    assert cached == {"/static/"}
    static = locations["/static/"]
    assert "proxy_cache_key $uri;" in static
    assert "proxy_cache_lock on;" in static
    # Its own add_header lines replace the server's, so the sticky cookie is repeated.
    assert "add_header Set-Cookie $equity_replica_cookie always;" in static


def test_render_site_swaps_only_the_replicas_listen_and_cache_blocks() -> None:
    three = ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"]
    site = replicas.render_site(three, ["1.2.3.4:81"], cache="/tmp/x/static-cache")
    assert re.findall(r"^proxy_cache_path (\S+) ", site, re.M) == ["/tmp/x/static-cache"]
    assert re.findall(r"^\s*server (\S+) ", site, re.M) == [
        "127.0.0.1:9001",
        "127.0.0.1:9002",
        "127.0.0.1:9003",
    ]
    assert re.findall(r"^\s*listen (\S+);", site, re.M) == ["1.2.3.4:81"]
    # The sticky map honours exactly these replicas' addresses.
    assert re.findall(r'^\s*"(\S+)" (\S+);', site, re.M) == [(a, a) for a in three]
    original = replicas.SITE.read_text(encoding="utf-8")
    # Everything outside the three blocks is the deployed file, byte for byte.
    strip = re.compile(r"# (replicas|sticky|listen|cache): begin\n.*?# \1: end\n", re.S)
    assert strip.sub("", site) == strip.sub("", original)
    with pytest.raises(ValueError):
        replicas.render_site([])
    with pytest.raises(ValueError):
        replicas.render_site(["127.0.0.1:80; evil"])
    with pytest.raises(ValueError):  # a host name: the cookie holds the address nginx used
        replicas.render_site(["app1:8501"])
    with pytest.raises(ValueError):
        replicas.render_site(three, cache="/tmp/x; evil")


@needs_nginx
def test_generated_config_passes_nginx_t(tmp_path: Path) -> None:
    site = replicas.render_site(["127.0.0.1:9001", "127.0.0.1:9002"], ["127.0.0.1:9100"])
    config = tmp_path / "nginx.conf"
    config.write_text(replicas.main_config(site, tmp_path), encoding="utf-8")
    checked = replicas.check_config(config)
    assert checked.returncode == 0, checked.stderr
    # And a broken one fails, so the check can fail.
    config.write_text(
        replicas.main_config(
            site.replace("upstream equity_explorer {", "upstreem equity_explorer {", 1), tmp_path
        )
    )
    assert replicas.check_config(config).returncode != 0


@needs_nginx
def test_a_websocket_session_runs_through_nginx(tmp_path: Path) -> None:
    """The empty app behind the generated nginx: a session's three runs finish."""
    from benchmarks import load_bench
    from benchmarks.apptest_bench import EMPTY_APP
    from benchmarks.browser_bench import Server

    with Server(EMPTY_APP).start() as server:
        server.wait_healthy()
        with replicas.Nginx([f"127.0.0.1:{server.port}"], tmp_path / "nginx").start() as proxy:
            result = asyncio.run(
                load_bench.run_session(
                    proxy.url,
                    load_bench.Plan("la=352", ("850", "936")),
                    load_bench.Wire(),
                    timeout=60,
                    sticky_cookie=replicas.STICKY_COOKIE,
                )
            )
    assert result.error is None
    assert len(result.runs_ms) == 3


def _get(url: str, cookie: str | None = None) -> tuple[int, str | None]:
    """(status, the sticky cookie's value set by the response, if any)."""
    request = urllib.request.Request(url)
    if cookie is not None:
        request.add_header("Cookie", f"{replicas.STICKY_COOKIE}={cookie}")
    with urllib.request.urlopen(request, timeout=30) as reply:
        reply.read()
        set_cookies = reply.headers.get_all("Set-Cookie") or []
    prefix = f"{replicas.STICKY_COOKIE}="
    named = [c.split(";", 1)[0][len(prefix) :] for c in set_cookies if c.startswith(prefix)]
    return reply.status, (named[0] if named else None)


@needs_nginx
def test_nginx_spreads_new_browsers_and_keeps_each_on_its_replica(tmp_path: Path) -> None:
    """Two empty-app replicas behind the generated nginx: new browsers go to each in turn,
    a browser's cookie keeps it on its replica, a forged cookie is ignored, and a browser
    whose replica stops is moved to the other, cookie and all."""
    from benchmarks.apptest_bench import EMPTY_APP
    from benchmarks.browser_bench import Server

    with Server(EMPTY_APP).start() as first, Server(EMPTY_APP).start() as second:
        first.wait_healthy()
        second.wait_healthy()
        addresses = {f"127.0.0.1:{s.port}" for s in (first, second)}
        with replicas.Nginx(sorted(addresses), tmp_path / "nginx").start() as proxy:
            new_browsers = [_get(f"{proxy.url}/") for _ in range(4)]
            assert all(status == 200 for status, _ in new_browsers)
            named = [cookie for _, cookie in new_browsers]
            assert set(named) == addresses  # both replicas, in turn
            assert named[0] != named[1] and named[:2] == named[2:]
            for cookie in sorted(addresses):
                for path in ("/", "/_stcore/health", "/_stcore/host-config"):
                    assert _get(f"{proxy.url}{path}", cookie) == (200, cookie)
            # A cookie naming any other address is not followed.
            status, moved_to = _get(f"{proxy.url}/", "127.0.0.1:1")
            assert status == 200 and moved_to in addresses
            # nginx's own answer sets no cookie.
            assert _get(f"{proxy.url}/nginx-health", "127.0.0.1:1") == (200, None)
            first.stop()
            gone, left = f"127.0.0.1:{first.port}", f"127.0.0.1:{second.port}"
            for path in ("/_stcore/health", "/"):  # the reconnect's poll, then the page
                assert _get(f"{proxy.url}{path}", gone) == (200, left)


@needs_nginx
def test_nginx_answers_streamlits_files_from_its_copy(tmp_path: Path) -> None:
    """A script the page names comes from a replica once, then from nginx (HIT), byte for
    byte and with its type; the page itself is fetched from a replica every time."""
    from benchmarks.apptest_bench import EMPTY_APP
    from benchmarks.browser_bench import Server

    def fetch(url: str) -> tuple[bytes, str | None, str | None]:
        with urllib.request.urlopen(url, timeout=30) as reply:
            body = reply.read()
            return body, reply.headers.get("X-Cache-Status"), reply.headers.get("Content-Type")

    with Server(EMPTY_APP).start() as server:
        server.wait_healthy()
        with replicas.Nginx([f"127.0.0.1:{server.port}"], tmp_path / "nginx").start() as proxy:
            page, page_cache, _ = fetch(f"{proxy.url}/")
            script = re.search(rb'src="\./(static/js/[^"]+\.js)"', page)
            assert script is not None
            url = f"{proxy.url}/{script.group(1).decode()}"
            first, second = fetch(url), fetch(url)
            direct, _, _ = fetch(f"{server.url}/{script.group(1).decode()}")
            again, again_cache, _ = fetch(f"{proxy.url}/")
    assert (first[1], second[1]) == ("MISS", "HIT")
    assert first[0] == second[0] == direct and len(direct) > 0
    assert second[2] is not None and "javascript" in second[2]
    assert page_cache is None and again_cache is None  # "/" never goes through the cache
    assert again == page
