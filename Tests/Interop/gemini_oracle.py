"""Reads one Gemini stream with the official `google-genai` package, as an oracle for the scripted
server's Gemini wire (GeminiWireTests runs it). Prints JSON with what the package understood.

    gemini_oracle.py BASE_URL MODEL
"""
import json
import sys

from google import genai
from google.genai import types

base, model = sys.argv[1], sys.argv[2]
client = genai.Client(api_key="oracle-key", http_options=types.HttpOptions(base_url=base, api_version="v1beta"))
text, thoughts, calls, signatures, finish, usage = "", "", [], [], None, None
try:
    for chunk in client.models.generate_content_stream(model=model, contents="go"):
        for candidate in chunk.candidates or []:
            for part in (candidate.content.parts if candidate.content else None) or []:
                if part.thought_signature:
                    signatures.append(part.thought_signature.decode("latin-1"))
                if part.function_call:
                    calls.append({"id": part.function_call.id, "name": part.function_call.name, "args": part.function_call.args})
                elif part.text and part.thought:
                    thoughts += part.text
                elif part.text:
                    text += part.text
            if candidate.finish_reason:
                finish = candidate.finish_reason.value
        if chunk.usage_metadata:
            usage = {"prompt": chunk.usage_metadata.prompt_token_count, "answer": chunk.usage_metadata.candidates_token_count,
                     "thoughts": chunk.usage_metadata.thoughts_token_count}
    print(json.dumps({"text": text, "thoughts": thoughts, "calls": calls, "signatures": signatures, "finish": finish, "usage": usage}))
except genai.errors.APIError as error:
    print(json.dumps({"error": {"code": error.code, "status": error.status, "message": error.message}}))
