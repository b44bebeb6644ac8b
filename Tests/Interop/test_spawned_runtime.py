"""A runtime an SDK spawns over TCP (`--headless --port N`, the official SDKs' flags) ends with the
process that spawned it, instead of outliving it."""
import os
import signal
import subprocess
import sys
import time


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that exited but was not reaped yet is a zombie: gone for this purpose.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_headless_tcp_runtime_ends_with_its_parent(cli_binary, tmp_path):
    spawner = (
        "import subprocess, sys, time\n"
        f"child = subprocess.Popen([{str(cli_binary)!r}, '--headless', '--no-auto-update', '--port', '0', '--no-store'],"
        " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", spawner], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    try:
        time.sleep(2)
        assert alive(child), "the runtime runs while its parent does"
        parent.send_signal(signal.SIGKILL)
        parent.wait(5)
        deadline = time.monotonic() + 15
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(child), "the runtime outlived the process that spawned it"
    finally:
        if alive(child):
            os.kill(child, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()
