"""The ``reclaim`` command: thin verbs over the core and the web app."""

import argparse
import contextlib
import ipaddress
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reclaim import __version__
from reclaim.cli._evidence import add_verbs as add_evidence_verbs
from reclaim.cli._hash import add_verb as add_hash_verb
from reclaim.cli._parsing import CommandParser
from reclaim.cli._protect import add_verb as add_protect_verb

if TYPE_CHECKING:
    from reclaim.content import Library
    from reclaim.notices import Directory
    from reclaim.web.server import SiteServer

DEFAULT_PORT = 8000
DEFAULT_THREADS = 8
WORKER_NICENESS = 10  # `reclaim worker` runs below the web processes (os.nice: higher is lower)
REPO_CONTENT_DIR = Path(__file__).resolve().parents[3] / "content"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    arguments = parser.parse_args(argv)
    # Whatever Reclaim writes (packs, captures, the database) is for its owner's eyes only.
    previous = os.umask(0o077)
    try:
        return int(arguments.run(arguments))
    finally:
        os.umask(previous)


def _parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="reclaim",
        description="Help for people whose intimate images were shared without consent.",
    )
    parser.add_argument("--version", action="version", version=f"reclaim {__version__}")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    serve = verbs.add_parser("serve", help="run the site with a production web server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (8000)")
    serve.add_argument("--threads", type=int, default=DEFAULT_THREADS, help=argparse.SUPPRESS)
    serve.set_defaults(run=_serve)

    worker = verbs.add_parser(
        "worker", help="run background jobs (captures, re-checks, hash activation) for a service"
    )
    worker.add_argument(
        "--once", action="store_true", help="run every job that is waiting or due, then stop"
    )
    worker.set_defaults(run=_worker)

    content = verbs.add_parser("content", help="check the content files (guides, helplines)")
    content.add_argument("action", choices=["check"])
    content.add_argument("--dir", type=Path, default=REPO_CONTENT_DIR, help="content folder")
    content.add_argument(
        "--routes",
        type=Path,
        default=Path(os.environ["RECLAIM_HELPLINE_ROUTES"])
        if os.environ.get("RECLAIM_HELPLINE_ROUTES")
        else None,
        help="a helpline's own routes file to check with it (default: RECLAIM_HELPLINE_ROUTES)",
    )
    content.set_defaults(run=_check_content)
    add_evidence_verbs(verbs)
    add_hash_verb(verbs)
    add_protect_verb(verbs)
    return parser


def _check_content(arguments: argparse.Namespace) -> int:
    from reclaim.content import ContentError, load_library
    from reclaim.notices import load_catalogue

    try:
        library = load_library(arguments.dir)
        catalogue = load_catalogue(arguments.dir)
        if arguments.routes is not None:
            if not arguments.routes.is_file():
                raise ContentError(f"{arguments.routes}: no such routes file")
            merged = load_catalogue(arguments.dir, extra=arguments.routes).directory
            own = _route_count(merged) - _route_count(catalogue.directory)
    except ContentError as error:
        print(f"reclaim: {error}", file=sys.stderr)
        return 1
    print(_summary(library))
    unverified = sum(not p.verified for p in catalogue.directory.platforms)
    print(
        f"Removal requests: {len(catalogue.directory.platforms)} platforms "
        f"({unverified} not yet verified) and {len(catalogue.profiles.profiles)} legal profiles."
    )
    if arguments.routes is not None:
        routes = "route" if own == 1 else "routes"
        print(f"The helpline's routes file {arguments.routes} adds {own} {routes} of its own.")
    return 0


def _route_count(directory: "Directory") -> int:
    return sum(len(platform.routes) for platform in directory.platforms)


def _summary(library: "Library") -> str:
    from reclaim.languages import LANGUAGE_CODES

    return (
        f"Content: {len(library.documents)} pages and {len(library.helplines)} helplines, "
        f"each in {len(LANGUAGE_CODES)} languages ({', '.join(LANGUAGE_CODES)})."
    )


def _serve(arguments: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reclaim.web.settings")
    import django
    from django.core.management import call_command

    django.setup()  # loads and checks the content: a broken file stops here with its name
    call_command("migrate", interactive=False, verbosity=0)
    from django.conf import settings

    from reclaim.web.server import listen_error
    from reclaim.web.support.content import library

    print(_summary(library()))
    from reclaim.web.evidence.tasks import remove_abandoned_scratch
    from reclaim.web.worker.runner import start_worker_thread

    remove_abandoned_scratch()  # what a killed server's exports and captures left
    if not settings.SERVICE:  # a service runs `reclaim worker` processes of its own
        start_worker_thread()
    if not _is_loopback(arguments.host):
        print("Warning: listening beyond this machine; use RECLAIM_MODE=service behind HTTPS.")
    host = f"[{arguments.host}]" if ":" in arguments.host else arguments.host
    site = _site_server(arguments, settings)
    try:
        site.prepare()
    except OSError as error:
        print(
            f"reclaim: cannot listen on {host}:{arguments.port}: {listen_error(error)}",
            file=sys.stderr,
        )
        return 1
    print(f"Reclaim is running at http://{host}:{arguments.port}/  (Ctrl+C stops it)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        try:
            site.serve()
        finally:
            site.stop()
    return 0


def _site_server(arguments: argparse.Namespace, settings: Any) -> "SiteServer":
    """Return the web server for the site (each page's own body limit: safety/bodies.py)."""
    from reclaim.web.server import make_server
    from reclaim.web.wsgi import application

    return make_server(
        application,
        arguments.host,
        arguments.port,
        threads=arguments.threads,
        trusted_proxy=getattr(settings, "TRUSTED_PROXY", ""),
        chunked_max_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    )


def _worker(arguments: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reclaim.web.settings")
    import threading

    import django

    django.setup()
    from reclaim.web.worker.runner import run_due, run_worker

    if arguments.once:
        print(f"Reclaim worker: ran {run_due()} tasks", flush=True)
        return 0
    # The worker's own CPU work (re-check chunks, counting figures) gives way to the web
    # processes on the same machine: a page waits less behind a chunk being recorded.
    os.nice(WORKER_NICENESS)
    print("Reclaim worker: waiting for tasks (Ctrl+C stops it)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        run_worker(threading.Event())
    return 0


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
