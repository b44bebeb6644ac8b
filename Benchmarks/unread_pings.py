"""A client that sends pings and never reads the answers, against `copilot-swift server`.

Prints how much the client managed to send in the time given (the server stops reading once 8 MB of
answers wait), the server's peak RSS, and how long a fresh client then waits for its own ping.
Run: .venv/bin/python Benchmarks/unread_pings.py .build/release/copilot-swift [--seconds 30] [--authenticated]
"""
import argparse
import json
import os
import re
import socket
import subprocess
import time

TOKEN = "unread-pings-token"


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def rss_mb(pid: int, field: str) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def ping(port: int, authenticate: bool) -> float:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        if authenticate:
            sock.sendall(frame({"jsonrpc": "2.0", "id": 0, "method": "connect", "params": {"token": TOKEN}}))
        sock.sendall(frame({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {}}))
        data = b""
        while b'"id":1' not in data and b'"id": 1' not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--authenticated", action="store_true")
    options = parser.parse_args()
    env = dict(os.environ, COPILOT_CONNECTION_TOKEN=TOKEN)
    server = subprocess.Popen([options.binary, "server", "--port", "0", "--no-store"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, env=env, text=True)
    port = int(re.search(r"port (\d+)", server.stdout.readline()).group(1))
    try:
        sock = socket.create_connection(("127.0.0.1", port))
        if options.authenticated:
            sock.sendall(frame({"jsonrpc": "2.0", "id": 0, "method": "connect", "params": {"token": TOKEN}}))
        sock.setblocking(False)
        pings = frame({"jsonrpc": "2.0", "id": 7, "method": "ping", "params": {}}) * 2000
        sent, limit = 0, int(options.gigabytes * 1024 ** 3)
        deadline = time.monotonic() + options.seconds
        while sent < limit and time.monotonic() < deadline:
            try:
                sent += sock.send(pings)
            except BlockingIOError:
                time.sleep(0.01)
            except (BrokenPipeError, ConnectionResetError):
                break
        fresh = ping(port, authenticate=True)
        print(json.dumps({
            "authenticated": options.authenticated, "seconds": options.seconds, "sent_mb": round(sent / 1024 ** 2, 1),
            "server_rss_mb": round(rss_mb(server.pid, "VmRSS"), 1), "server_peak_rss_mb": round(rss_mb(server.pid, "VmHWM"), 1),
            "fresh_client_ping_s": round(fresh, 4)}))
        sock.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


main()
