"""A raw ``websockets`` echo server on loopback: the floor the gateway's WS round trip is compared with.

    python -m tools.bench.echo_server     # prints ECHO_READY ws://127.0.0.1:<port>
"""

import asyncio

from websockets.asyncio.server import serve

READY_PREFIX = "ECHO_READY"


async def echo(connection) -> None:
    async for message in connection:
        await connection.send(message)


async def main() -> None:
    async with serve(echo, "127.0.0.1", 0, compression=None, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"{READY_PREFIX} ws://127.0.0.1:{port}", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
