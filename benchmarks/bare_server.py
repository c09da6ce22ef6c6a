"""The bare baseline of the delivery benchmark: a `websockets` broadcast server.

It does what daphne + Channels do for a poll, with nothing else: a Redis pub/sub
message carrying a list of client messages is sent, message by message, to every
open connection. One process, loopback only. Run by benchmarks/run.py.
"""

from __future__ import annotations

import asyncio
import json
import sys

import redis.asyncio as aioredis
import websockets
from websockets.asyncio.server import ServerConnection, broadcast, serve

CONNECTIONS: set[ServerConnection] = set()


async def handler(connection: ServerConnection) -> None:
    CONNECTIONS.add(connection)
    try:
        await connection.wait_closed()
    finally:
        CONNECTIONS.discard(connection)


async def relay(redis_url: str, channel: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    pubsub = client.pubsub()
    await pubsub.subscribe(channel)
    async for item in pubsub.listen():
        if item["type"] != "message":
            continue
        for message in json.loads(item["data"]):
            broadcast(CONNECTIONS, json.dumps(message))


async def main(port: int, redis_url: str, channel: str) -> None:
    async with serve(handler, "127.0.0.1", port, compression=None, max_size=2**16):
        print("READY", flush=True)
        await relay(redis_url, channel)


if __name__ == "__main__":
    assert websockets.__version__
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
