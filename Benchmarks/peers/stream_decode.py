"""Peer for the stream-decoding benchmark: the official `openai` / `anthropic` / `google-genai` Python packages reading
the same recorded stream from the same loopback server. Prints JSON: {"times": [seconds...], "deltas": n}."""
import json
import sys
import time

base, wire, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
times, deltas = [], 0

if wire == "anthropic":
    import anthropic
    client = anthropic.Anthropic(base_url=base, api_key="bench", max_retries=0)
elif wire == "gemini":
    from google import genai
    from google.genai import types
    client = genai.Client(api_key="bench", http_options=types.HttpOptions(base_url=base, api_version="v1beta"))
else:
    import openai
    client = openai.OpenAI(base_url=base + "/v1", api_key="bench", max_retries=0)

for _ in range(runs):
    deltas = 0
    start = time.perf_counter()
    if wire == "completions":
        stream = client.chat.completions.create(model="bench", messages=[{"role": "user", "content": "go"}], stream=True)
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                deltas += 1
    elif wire == "responses":
        stream = client.responses.create(model="bench", input="go", stream=True)
        for event in stream:
            if event.type == "response.output_text.delta":
                deltas += 1
    elif wire == "gemini":
        for chunk in client.models.generate_content_stream(model="bench", contents="go"):
            if chunk.text:
                deltas += 1
    else:
        stream = client.messages.create(model="bench", max_tokens=16, messages=[{"role": "user", "content": "go"}], stream=True)
        for event in stream:
            if event.type == "content_block_delta":
                deltas += 1
    times.append(time.perf_counter() - start)

print(json.dumps({"times": times, "deltas": deltas}))
