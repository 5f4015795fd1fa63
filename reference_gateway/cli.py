"""``pulse-refgw``: run the reference gateway as a process."""

import argparse
import asyncio
import json
import sys

import uvicorn

from reference_gateway.faults import FAULTS
from reference_gateway.server import bind, build_gateway, uvicorn_config

READY_PREFIX = "PULSE_REFGW_READY"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulse-refgw", description="Pulse API v2.0 reference gateway")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback only)")
    parser.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one (default 8080)")
    parser.add_argument("--config", help="TOML file overriding accounts, instruments, indices or limits")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME",
                        help="switch in a catalogued gateway bug (repeatable); --list-faults shows them")
    parser.add_argument("--list-faults", action="store_true", help="print the fault catalogue and exit")
    parser.add_argument("--json", action="store_true", help="with --list-faults: one JSON array (for pulse-mutation)")
    args = parser.parse_args(argv)
    if args.list_faults and args.json:
        print(json.dumps([{"name": f.name, "area": f.area, "description": f.description, "markers": f.markers}
                          for f in FAULTS.values()], indent=1))
        return 0
    if args.list_faults:
        for fault in FAULTS.values():
            print(f"{fault.name:45} {fault.area:14} {fault.description}")
        return 0
    unknown = [name for name in args.fault if name not in FAULTS]
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(unknown)}; see --list-faults")
    gateway = build_gateway(args.config, tuple(args.fault))
    sock = bind(args.host, args.port)
    host, port = sock.getsockname()[:2]
    server = uvicorn.Server(uvicorn_config(gateway))

    async def serve() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        print(f"{READY_PREFIX} http://{host}:{port} ws://{host}:{port}/ws/api/v2", flush=True)
        await task

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
