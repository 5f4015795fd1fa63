"""``pulse-refgw``: run the reference gateway as a process."""

import argparse
import asyncio
import json
import sys

import uvicorn

from reference_gateway.deviations import DEVIATIONS, PROFILES
from reference_gateway.faults import FAULTS
from reference_gateway.server import bind, build_gateway, run_loop, uvicorn_config

READY_PREFIX = "PULSE_REFGW_READY"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulse-refgw", description="Pulse API v2.0 reference gateway")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback only)")
    parser.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one (default 8080)")
    parser.add_argument("--config", help="TOML file overriding accounts, instruments, indices or limits")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME",
                        help="switch in a catalogued gateway bug (repeatable); --list-faults shows them")
    parser.add_argument("--list-faults", action="store_true", help="print the fault catalogue and exit")
    parser.add_argument("--deviation", action="append", default=[], metavar="NAME",
                        help="switch in a catalogued benign deviation (repeatable); --list-deviations shows them")
    parser.add_argument("--profile", choices=sorted(PROFILES), help="a named bundle of deviations (staging)")
    parser.add_argument("--list-deviations", action="store_true", help="print the deviation catalogue and exit")
    parser.add_argument("--json", action="store_true",
                        help="with --list-faults/--list-deviations: one JSON array (for pulse-mutation)")
    args = parser.parse_args(argv)
    for listing, catalogue in ((args.list_faults, FAULTS), (args.list_deviations, DEVIATIONS)):
        if listing:
            print_catalogue(catalogue, args.json)
            return 0
    for kind, names, catalogue in (("fault", args.fault, FAULTS), ("deviation", args.deviation, DEVIATIONS)):
        unknown = [name for name in names if name not in catalogue]
        if unknown:
            parser.error(f"unknown {kind}(s): {', '.join(unknown)}; see --list-{kind}s")
    gateway = build_gateway(args.config, tuple(args.fault), tuple(args.deviation), args.profile)
    sock = bind(args.host, args.port)
    host, port = sock.getsockname()[:2]
    server = uvicorn.Server(uvicorn_config(gateway))

    async def serve() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        print(f"{READY_PREFIX} http://{host}:{port} ws://{host}:{port}/ws/api/v2", flush=True)
        await task

    run_loop(serve())
    return 0


def print_catalogue(catalogue: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps([{"name": e.name, "area": e.area, "description": e.description, "markers": e.markers}
                          | ({"contradicts": list(e.contradicts)} if getattr(e, "contradicts", ()) else {})
                          for e in catalogue.values()], indent=1))
        return
    for entry in catalogue.values():
        print(f"{entry.name:45} {entry.area:14} {entry.description}")


if __name__ == "__main__":
    sys.exit(main())
