"""Peer for the concurrency benchmark: the `openai` package's async client running N streams at once.
Prints JSON: {"seconds": s, "peak_rss_mb": m, "deltas": n}."""
import asyncio
import json
import resource
import sys
import time

import openai

base, sessions = sys.argv[1], int(sys.argv[2])


async def one(client):
    count = 0
    stream = await client.chat.completions.create(model="bench", messages=[{"role": "user", "content": "go"}], stream=True)
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            count += 1
    return count


async def main():
    client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="bench", max_retries=0, timeout=120)
    start = time.perf_counter()
    counts = await asyncio.gather(*(one(client) for _ in range(sessions)))
    seconds = time.perf_counter() - start
    await client.close()
    return seconds, sum(counts)


seconds, deltas = asyncio.run(main())
print(json.dumps({"seconds": seconds, "deltas": deltas,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
