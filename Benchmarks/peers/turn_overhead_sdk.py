"""Turn overhead through `copilot-swift server`, driven by the official Python SDK: the server's last
byte → `session.idle` delivered to the SDK handler, and first byte → first `assistant.message_delta`.
The model server reports its byte times on CLOCK_MONOTONIC (GET /_scripted/timing), which
time.monotonic_ns reads too. Prints JSON: {"idle_ms": [...], "first_ms": [...]}."""
import asyncio
import json
import sys
import time
import urllib.request

from copilot import CopilotClient
from copilot.session import PermissionHandler

base, turns = sys.argv[1], int(sys.argv[2])


def timing():
    with urllib.request.urlopen(base + "/_scripted/timing", timeout=10) as response:
        return json.loads(response.read())


async def main():
    idle_ms, first_ms = [], []
    async with CopilotClient() as client:
        session = await client.create_session(
            on_permission_request=PermissionHandler.approve_all, model="bench-20",
            provider={"type": "openai", "base_url": base + "/v1"}, streaming=True)
        marks = {}

        def on_event(event):
            kind = event.type.value
            if kind == "assistant.message_delta" and "first" not in marks:
                marks["first"] = time.monotonic_ns()
            elif kind == "session.idle":
                marks["idle"] = time.monotonic_ns()

        session.on(on_event)
        for index in range(turns):
            marks.clear()
            await session.send_and_wait("go", timeout=60)
            server = timing()
            if index >= 10 and "first" in marks and "idle" in marks:
                idle_ms.append((marks["idle"] - server["lastByteNanoseconds"]) / 1e6)
                first_ms.append((marks["first"] - server["firstByteNanoseconds"]) / 1e6)
        await session.disconnect()
    print(json.dumps({"idle_ms": idle_ms, "first_ms": first_ms}))


asyncio.run(main())
