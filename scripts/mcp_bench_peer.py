"""The MCP round-trip benchmark's peer: the official Python `mcp` package's client (2.3.0) calling one
tool on Tests/Interop/mcp_server.py, the server our own client calls in the same run.

    mcp_bench_peer.py stdio "COMMAND [ARGS...]" COUNT [--warmup N] [--mode legacy|auto]
        starts the server with COMMAND (split as a shell would, not run by one) and talks to it
        over its standard input and output;
    mcp_bench_peer.py http URL COUNT [--warmup N] [--mode legacy|auto]
        talks Streamable HTTP to a running server at URL (http://127.0.0.1:PORT/mcp).

On one connection it calls `forecast` {"city": "Oslo"} N times after the warm-up (default 20) and
prints one JSON line: {"transport": ..., "p50_us": ..., "p99_us": ..., "calls": ...}, where a call is
`await client.call_tool(...)`, request out to validated result back.

--mode legacy (the default) connects with the initialize handshake, so both clients speak the same
protocol revision (2025-11-25, the newest the Swift SDK 0.12.1 offers); --mode auto is the Python
client's own default, which probes `server/discover` and speaks 2026-07-28 when the server does.
"""
import argparse
import asyncio
import json
import os
import shlex
import time

from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

TOOL = "forecast"
ARGUMENTS = {"city": "Oslo"}
EXPECTED = {"city": "Oslo", "celsius": 18}


def percentile(values, p):
    """The same rank as the Swift benchmark's `percentile`: index round((n - 1) * p) of the sorted values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round((len(ordered) - 1) * p)))]


async def measure(server, count, warmup, mode):
    async with Client(server, mode=mode) as client:
        first = await client.call_tool(TOOL, ARGUMENTS)
        if first.is_error or first.structured_content != EXPECTED:
            raise SystemExit(f"unexpected answer from {TOOL}: {first.model_dump_json()}")
        for _ in range(warmup - 1):  # the checked call above is the first
            await client.call_tool(TOOL, ARGUMENTS)
        times = []
        for _ in range(count):
            started = time.perf_counter_ns()
            await client.call_tool(TOOL, ARGUMENTS)
            times.append((time.perf_counter_ns() - started) / 1000)
        return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("transport", choices=["stdio", "http"])
    parser.add_argument("server", help="the server's command (stdio) or its URL (http)")
    parser.add_argument("count", type=int)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--mode", default="legacy", choices=["legacy", "auto"])
    options = parser.parse_args()
    if options.count < 1:
        parser.error("count must be at least 1")

    if options.transport == "stdio":
        command = shlex.split(options.server)
        if not command:
            parser.error("an empty server command")
        # The server's log lines go nowhere, not through this process (our transport keeps a short tail).
        errlog = open(os.devnull, "w")
        server = stdio_client(StdioServerParameters(command=command[0], args=command[1:]), errlog=errlog)
    else:
        server = options.server

    times = asyncio.run(measure(server, options.count, options.warmup, options.mode))
    print(json.dumps({
        "transport": options.transport,
        "p50_us": round(percentile(times, 0.5), 1),
        "p99_us": round(percentile(times, 0.99), 1),
        "calls": len(times),
    }))


if __name__ == "__main__":
    main()
