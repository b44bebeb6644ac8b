"""An MCP server on the official Python `mcp` package (2.3.0), for the tests of copilot-swift's MCP client.

    python mcp_server.py [stdio | http PORT | http-json PORT | sse PORT]

Its tools:
- `describe_process`: the server's working directory, pid and the environment variables asked for;
- `nap`: sleeps `seconds` (a tool that hangs until its timeout), then says so;
- `crash`: exits the server at once, mid-call;
- `picture`: an image (a 1x1 PNG) beside text, and structured content;
- `failing`: a tool error (`isError`);
- `grow`: adds the tool `grown` and tells the client its list changed;
- `pick_color`: asks the user for a color through the client (elicitation) and says what came back.
Over HTTP it serves Streamable HTTP at /mcp on 127.0.0.1:PORT, answering with event streams
(`http`) or with JSON bodies (`http-json`), or the older HTTP+SSE transport at /sse (`sse`).
"""
import asyncio
import base64
import os
import sys

from pydantic import BaseModel

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Image

server = MCPServer("copilot-swift-test-server")

PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")


@server.tool(description="Tells the server's working directory, process id and the named environment variables")
def describe_process(names: list[str]) -> str:
    values = ", ".join(f"{name}={os.environ.get(name, '<unset>')}" for name in names)
    return f"cwd={os.getcwd()} pid={os.getpid()} {values}"


@server.tool(description="Sleeps for the given number of seconds")
async def nap(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return f"slept {seconds}s"


@server.tool(description="Ends the server process at once")
def crash() -> str:
    sys.stderr.write("crashing on purpose\n")
    sys.stderr.flush()
    os._exit(3)


@server.tool(description="Returns a picture and a caption", structured_output=False)
def picture() -> list:
    return ["a single pixel", Image(data=PIXEL, format="png")]


class Forecast(BaseModel):
    city: str
    celsius: int


@server.tool(description="Returns a forecast as structured content")
def forecast(city: str) -> Forecast:
    return Forecast(city=city, celsius=18)


@server.tool(description="Always fails")
def failing() -> str:
    raise ToolError("this tool always fails")


@server.tool(description="Adds the tool `grown` to the server's list")
async def grow(ctx: Context) -> str:
    def grown() -> str:
        return "grown ran"

    server.add_tool(grown, name="grown", description="A tool that appeared later")
    await ctx.session.send_tool_list_changed()
    return "added grown"


class ColorChoice(BaseModel):
    color: str


@server.tool(description="Asks the user to pick a color")
async def pick_color(ctx: Context) -> str:
    answer = await ctx.elicit("Pick a color.", schema=ColorChoice)
    picked = answer.data.color if answer.action == "accept" and answer.data else None
    return f"action={answer.action} color={picked}"


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 2 else "stdio"
    if mode in ("http", "http-json"):
        server.run(transport="streamable-http", host="127.0.0.1", port=int(sys.argv[2]), json_response=mode == "http-json")
    elif mode == "sse":
        server.run(transport="sse", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
