"""Peer for the cold-start benchmark: the official Python SDK spawning `copilot-swift` as its runtime
(COPILOT_CLI_PATH), one streamed turn; prints FIRST when the first delta arrives, then waits for idle."""
import asyncio
import sys

from copilot import CopilotClient
from copilot.session import PermissionHandler


async def main(base):
    async with CopilotClient() as client:
        session = await client.create_session(
            on_permission_request=PermissionHandler.approve_all, model="bench-200",
            provider={"type": "openai", "base_url": base + "/v1"}, streaming=True)
        first = asyncio.Event()
        idle = asyncio.Event()

        def on_event(event):
            if event.type.value == "assistant.message_delta" and not first.is_set():
                print("FIRST", flush=True)
                first.set()
            if event.type.value == "session.idle":
                idle.set()

        session.on(on_event)
        await session.send("go")
        await idle.wait()
        await session.disconnect()


asyncio.run(main(sys.argv[1]))
