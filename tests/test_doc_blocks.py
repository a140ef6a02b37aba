"""Every fenced block of README.md and docs/ is run as written, or marked as an illustration.

A block preceded by ``<!-- doc-test: NAME -->`` is run; so is one marked ``restore-drill`` (by
tests/test_restore_drill.py). Any other block must say ``illustration`` after its language. The
runnable blocks of one document run in order, in one bash session (Python blocks through the
interpreter), in a folder holding the exports they name, against a real matcher and a real key
service on local ports. Placeholders are filled the way a reader would: the example hosts become
the local servers, ``VARIABLE=...`` keeps the value the session already has, ``<32 hex>`` becomes
the registered fingerprint, and a server started in the foreground is started in the background
and waited for.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import Session

from client.keys import generate_key, save_key
from keyservice import agencies as keyservice_agencies
from keyservice import create_app as create_keyservice
from keyservice import db as keyservice_db
from keyservice import keys as keyservice_keys
from matcher import create_app
from matcher.db import create_schema
from matcher.instance import init_instance
from matcher.services import federation
from tests.dashboard import live

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent
BLOCK = re.compile(
    r"(?:<!-- (?P<marker>doc-test|restore-drill): (?P<name>[^>]+?) -->\n)?"
    r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```",
    re.MULTILINE | re.DOTALL,
)
EXPORT_ROWS = [
    ("Z-2026-0041", "06-12345678", "Hoofdstraat 14-A, 3811 AB Amersfoort", "Popescu, Ana",
     "Bouwbedrijf Noord B.V.", "07-03-1990", "advertentie", "2026-05-01"),
    ("Z-2026-0042", "+40 721 234 567", "", "Ion Ionescu", "", "", "controle", "2026-05-02"),
]  # fmt: skip
CSV_HEADER = "zaaknummer;telefoon;adres;naam;exploitant;geboortedatum;soort;datum"
#: a serve command the docs run in the foreground; the session starts it in the background
PRELUDE = r"""
background() {  # background HEALTH-URL COMMAND...: start, wait until it answers
  local health=$1; shift
  "$@" > "background-$RANDOM.log" 2>&1 &
  echo $! >> "$DOC_PIDS"
  for _ in $(seq 1 120); do
    python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
      "$health" 2>/dev/null && return 0
    sleep 0.5
  done
  echo "the server for $health did not answer" >&2; return 1
}
"""


@dataclass(frozen=True)
class Block:
    document: Path
    line: int
    info: str
    body: str
    marker: str | None
    name: str | None

    @property
    def language(self) -> str:
        return self.info.split()[0] if self.info.split() else ""

    def __str__(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.line}"


def blocks(document: Path) -> list[Block]:
    text = document.read_text(encoding="utf-8")
    return [
        Block(
            document=document,
            line=text.count("\n", 0, found.start("info")) + 1,
            info=found.group("info").strip(),
            body=found.group("body"),
            marker=found.group("marker"),
            name=found.group("name"),
        )
        for found in BLOCK.finditer(text)
    ]


def test_every_block_is_run_or_marked_as_an_illustration() -> None:
    unmarked = [
        str(block)
        for document in DOCUMENTS
        for block in blocks(document)
        if block.marker is None and "illustration" not in block.info.split()
    ]

    assert unmarked == [], "run these in tests/test_doc_blocks.py or mark them 'illustration'"


def test_runnable_blocks_are_shell_python_or_toml() -> None:
    odd = [
        str(block)
        for document in DOCUMENTS
        for block in blocks(document)
        if block.marker == "doc-test" and block.language not in ("sh", "python", "toml")
    ]

    assert odd == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Site:
    """The servers, files and settings the documents' readers are assumed to have."""

    home: Path
    matcher_url: str
    keyservice_url: str
    hmac_fingerprint: str
    environ: dict[str, str]


def _write_exports(home: Path) -> None:
    lines = [CSV_HEADER, *(";".join(row) for row in EXPORT_ROWS)]
    (home / "signalen-mei.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Zaaknummer", "Telefoon", "Adres", "zaaknummer", "telefoon", "adres", "datum"])
    for case, phone, address, *_rest, observed in EXPORT_ROWS:
        sheet.append([case, phone, address, case, phone, address, observed])
    workbook.save(home / "export.xlsx")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A matcher (served on a local port) with one agency, its token and a registered hmac key."""
    home = tmp_path_factory.mktemp("reader")
    instance = home.parent / f"{home.name}-matcher"
    init_instance({"INSTANCE_PATH": str(instance)}, environ={})
    app = create_app({"INSTANCE_PATH": str(instance)})
    engine = app.extensions["matcher.engine"]
    create_schema(engine)
    key = generate_key(epoch=1)
    (home / "kruispunt").mkdir()
    save_key(key, home / "kruispunt" / "key.json")
    with Session(engine) as session:
        agency = federation.add_agency(
            session,
            name="Gemeente Utrecht",
            kind="municipality",
            region="Midden-Nederland",
            actor="test",
        )
        _, token = federation.create_api_token(session, agency_id=agency.id, actor="test")
        federation.add_key_epoch(
            session, scheme="hmac", epoch=1, fingerprint=key.fingerprint, actor="test"
        )
        session.commit()
    _write_exports(home)
    keyservice = create_keyservice(
        {
            "KEYSERVICE_DATABASE_URL": f"sqlite:///{home.parent / f'{home.name}-ks.sqlite'}",
            "KEYSERVICE_KEY_DIR": str(home.parent / f"{home.name}-ks-keys"),
            "KEYSERVICE_REDIS_URL": "",
        }
    )
    with keyservice.app_context(), keyservice_db.get_engine().begin() as conn:
        epoch = keyservice_keys.generate_key(
            conn, Path(keyservice.config["KEYSERVICE_KEY_DIR"]), epoch=1
        )
        _, keyservice_token = keyservice_agencies.add_agency(
            conn, "Gemeente Utrecht", daily_quota=100_000
        )
    (home / "kruispunt" / "pub.json").write_text(epoch.info().model_dump_json(), "utf-8")
    environ = {
        "HOME": str(home),
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "KRUISPUNT_INSTANCE_PATH": str(instance),
        "KRUISPUNT_KEY_FILE": str(home / "kruispunt" / "key.json"),
        "KRUISPUNT_API_TOKEN": token,
        "KRUISPUNT_KEYSERVICE_TOKEN": keyservice_token,
        "KRUISPUNT_USER_PASSWORD": "a long passphrase for the docs",
        "PYTHONPATH": str(ROOT),
    }
    with live.serve(app) as url, live.serve(keyservice) as keyservice_url:
        yield Site(
            home=home,
            matcher_url=url,
            keyservice_url=keyservice_url,
            hmac_fingerprint=key.fingerprint,
            environ=environ,
        )
    engine.dispose()
    keyservice.extensions["keyservice.engine"].dispose()


def _filled(block: Block, site: Site, folder: Path, ports: dict[str, int]) -> str:
    """Return the block's text with the placeholders a reader fills in filled."""
    text = block.body
    port = ports[SHARED_SERVER.get(block.name or "", block.name or "")]
    keyservice = (
        site.keyservice_url if block.name in SITE_KEYSERVICE else f"http://127.0.0.1:{port}"
    )
    replacements = {
        "https://matcher.example.nl": site.matcher_url,
        "https://matcher.example": site.matcher_url,
        "https://sleutel.example.nl": keyservice,
        "http://127.0.0.1:5100": keyservice,
        "--port 5100": f"--port {port}",
        "/srv/kruispunt": str(folder / "srv-kruispunt"),
        "/srv/keyservice": str(folder / "srv-keyservice"),
        "<32 hex>": site.hmac_fingerprint,
        "<from `kruispunt key fingerprint`>": site.hmac_fingerprint,
        "~/kruispunt/": f"{site.home}/kruispunt/",
    }
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    # VARIABLE=... keeps the value the reader's session already has
    text = re.sub(r"\b([A-Z_]+)=\.\.\.", r'\1="${\1}"', text)
    lines = []
    for line in text.splitlines():
        command = line.split("#")[0].strip()
        if command.startswith("pip install "):
            continue  # installed already: the tests run from the installed checkout
        if command.startswith(("flask --app matcher run", "kruispunt-keyservice serve")):
            if command.startswith("flask"):
                command = f"{command} --port {port}"
            lines.append(f"background http://127.0.0.1:{port}/api/v1/health {command}")
            continue
        lines.append(line)
    body = "\n".join(lines) + "\n"
    if block.language == "python":
        return f"python3 - <<'PYTHON'\n{body}PYTHON\n"
    if block.language == "toml":
        check = "import client; client.load_mapping_file('mapping.toml')"
        return f"cat > mapping.toml <<'TOML'\n{body}TOML\npython3 -c \"{check}\"\n"
    return body


#: blocks that talk to the server an earlier block of the same document started
SHARED_SERVER = {"keyservice-python": "keyservice-dev"}
#: blocks that use the key service the reader's federation already runs
SITE_KEYSERVICE = {"prepare-oprf"}
RUNNABLE = [
    document
    for document in DOCUMENTS
    if any(block.marker == "doc-test" for block in blocks(document))
]


@pytest.mark.slow
@pytest.mark.parametrize("document", RUNNABLE, ids=lambda path: path.name)
def test_the_runnable_blocks_of_a_document_work_as_written(
    document: Path, site: Site, tmp_path: Path
) -> None:
    folder = tmp_path
    for item in site.home.iterdir():
        if item.is_file():
            (folder / item.name).write_bytes(item.read_bytes())
    runnable = [block for block in blocks(document) if block.marker == "doc-test"]
    ports = {block.name or "": _free_port() for block in runnable}
    pids = folder / "pids"
    pids.touch()
    script = [PRELUDE]
    for block in runnable:
        script.append(f"echo '=== {block} ({block.name})' >&2")
        script.append(_filled(block, site, folder, ports))
    environ = {**os.environ, **site.environ, "DOC_PIDS": str(pids)}
    for name in ("KEYSERVICE_INSTANCE_PATH", "KEYSERVICE_DATABASE_URL", "KEYSERVICE_KEY_DIR"):
        environ.pop(name, None)
    try:
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", "\n".join(script)],
            cwd=folder,
            env=environ,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        for pid in pids.read_text().split():
            subprocess.run(["kill", pid], check=False, capture_output=True)
    assert result.returncode == 0, result.stderr[-4000:] + result.stdout[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-4000:]
