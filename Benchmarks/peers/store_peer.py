"""The session-store benchmark's peer: the same work as our stores, done directly.

  store_peer.py file DIRECTORY EVENTS RUNS
      Appends EVENTS event lines (the official JSON shape, ~200-character messages) to an O_APPEND
      file, one os.write per event; then reads the log back RUNS times (json.loads per line).
  store_peer.py postgres URL EVENTS RUNS
      With psycopg 3 (autocommit): the same tables and the same fenced one-statement append as the
      Swift PostgreSQL store, one event per statement; then reads the events back RUNS times
      (SELECT ... ORDER BY seq, json.loads per row).

Prints JSON: {"append_us": [...], "resume_s": [...]}.
"""
import json
import os
import sys
import time
import uuid
from datetime import datetime, timezone


def events(count):
    """Event objects like ours; serialising one is part of appending it, on both sides."""
    text = "x" * 200
    parent = None
    for index in range(count):
        event_id = str(uuid.uuid4())
        kind = "user.message" if index % 2 == 0 else "assistant.message"
        data = {"content": text, "messageId": str(uuid.uuid4())}
        yield kind, {
            "id": event_id, "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "parentId": parent, "type": kind, "data": data}
        parent = event_id


def line_of(event):
    return json.dumps(event, separators=(",", ":"), sort_keys=True)


def file_store(directory, count, runs):
    path = os.path.join(directory, "events.jsonl")
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o644)
    append_us = []
    for _, event in events(count):
        started = time.perf_counter_ns()
        os.write(fd, (line_of(event) + "\n").encode())
        append_us.append((time.perf_counter_ns() - started) / 1000)
    os.fsync(fd)
    os.close(fd)
    resume_s = []
    for _ in range(runs):
        started = time.perf_counter()
        with open(path, "rb") as handle:
            loaded = [json.loads(line) for line in handle if line.strip()]
        assert len(loaded) == count
        resume_s.append(time.perf_counter() - started)
    return append_us, resume_s


def postgres_store(url, count, runs):
    import psycopg

    schema = "peer_" + uuid.uuid4().hex[:8]
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(f"""CREATE TABLE {schema}.copilot_sessions (
            session_id text PRIMARY KEY, created_at timestamptz NOT NULL, modified_at timestamptz NOT NULL,
            event_count bigint NOT NULL DEFAULT 0, owner text, lease_until timestamptz)""")
        connection.execute(f"""CREATE TABLE {schema}.copilot_session_events (
            session_id text NOT NULL REFERENCES {schema}.copilot_sessions (session_id) ON DELETE CASCADE,
            seq bigint NOT NULL, type text NOT NULL, event text NOT NULL, PRIMARY KEY (session_id, seq))""")
        connection.execute(
            f"INSERT INTO {schema}.copilot_sessions VALUES ('bench', now(), now(), 0, 'peer', now() + interval '30 seconds')")
        append = f"""WITH owned AS (
                UPDATE {schema}.copilot_sessions SET event_count = event_count + 1,
                    lease_until = now() + make_interval(secs => 30)
                WHERE session_id = 'bench' AND owner = 'peer' AND event_count = %s RETURNING session_id
            ), inserted AS (
                INSERT INTO {schema}.copilot_session_events (session_id, seq, type, event)
                SELECT owned.session_id, %s, %s, %s FROM owned RETURNING 1
            )
            SELECT count(*) FROM inserted"""
        append_us = []
        for index, (kind, event) in enumerate(events(count)):
            started = time.perf_counter_ns()
            inserted = connection.execute(append, (index, index + 1, kind, line_of(event)), prepare=True).fetchone()[0]
            append_us.append((time.perf_counter_ns() - started) / 1000)
            assert inserted == 1
        resume_s = []
        for _ in range(runs):
            started = time.perf_counter()
            rows = connection.execute(
                f"SELECT seq, event FROM {schema}.copilot_session_events WHERE session_id = 'bench' ORDER BY seq").fetchall()
            loaded = [json.loads(event) for _, event in rows]
            assert len(loaded) == count
            resume_s.append(time.perf_counter() - started)
        connection.execute(f"DROP SCHEMA {schema} CASCADE")
    return append_us, resume_s


def main():
    kind, where, count, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    append_us, resume_s = file_store(where, count, runs) if kind == "file" else postgres_store(where, count, runs)
    print(json.dumps({"append_us": append_us, "resume_s": resume_s}))


if __name__ == "__main__":
    main()
