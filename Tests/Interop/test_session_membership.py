"""Sessions belong to their clients (issue #23, row 5), through the official Python SDK 1.0.27.

Two clients hold the same connection token on one shared server. The second one registers as the
carrier of model calls (`request_handler`, i.e. `llmInference.setProvider`) and then tries every
way in to the first one's session that the probe found open: carrying its model calls (and seeing its
prompts and `Authorization` header), reading its key and headers, answering its permission requests,
sending into it, turning on approve-all, reading its log, listing and deleting it. Each must fail as
for a session that does not exist. Joining it by its id (`resume_session`, the official multi-client
mode) is how a second client takes part; even then the key and header values stay with the client
that sent them."""
import os

import pytest

from copilot import CopilotClient, CopilotRequestHandler, RuntimeConnection
from copilot.session import PermissionHandler

from test_python_sdk import chat_calls, run, start_server


class Carrier(CopilotRequestHandler):
    def __init__(self):
        self.seen = []

    async def send_request(self, request, ctx):
        self.seen.append((str(request.url), request.headers.get("authorization"), ctx.session_id))
        return await super().send_request(request, ctx)


def test_another_client_cannot_use_a_session_it_has_not_joined(fresh_llmock, cli_binary, tmp_path):
    # In memory, so that nothing but the live session is there to be reached.
    process, port = start_server(cli_binary, "--no-store", env=dict(os.environ, COPILOT_SWIFT_HOME=str(tmp_path / "home")))
    carrier = Carrier()
    owner_provider = {"type": "openai", "base_url": f"{fresh_llmock.base}/v1", "api_key": "sk-owner-only-qzx",
                      "headers": {"X-Team": "team-secret-qzx"}}

    def connection():
        return RuntimeConnection.for_uri(f"127.0.0.1:{port}", connection_token="interop-token-123")

    async def main():
        async with CopilotClient(connection=connection()) as owner, \
                CopilotClient(connection=connection(), request_handler=carrier) as intruder:
            session = await owner.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=owner_provider,
                working_directory=str(tmp_path), available_tools=["custom:*"])
            sid = session.session_id
            # The intruder asks to carry model calls once it has a session of its own.
            await intruder.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini",
                provider={"type": "openai", "base_url": f"{fresh_llmock.base}/v1", "api_key": "sk-intruder"},
                working_directory=str(tmp_path), available_tools=["custom:*"])

            reply = await session.send_and_wait("Hello from the owner", timeout=30)
            assert reply is not None and reply.data.content

            refused = {}
            for method, params in [
                ("session.provider.getEndpoint", {"sessionId": sid}),
                ("session.send", {"sessionId": sid, "prompt": "I am the owner now"}),
                ("session.permissions.handlePendingPermissionRequest",
                 {"sessionId": sid, "requestId": "r-1", "result": {"kind": "approve-once"}}),
                ("session.permissions.setApproveAll", {"sessionId": sid, "enabled": True}),
                ("session.getMessages", {"sessionId": sid}),
                ("session.delete", {"sessionId": sid}),
            ]:
                with pytest.raises(Exception) as error:
                    await intruder._client.request(method, params)
                refused[method] = str(error.value)
            listed = [s.session_id for s in await intruder.list_sessions()]
            owner_listed = [s.session_id for s in await owner.list_sessions()]

            # The owner's session goes on, unharmed, with its own key.
            again = await session.send_and_wait("Still mine?", timeout=30)
            own_endpoint = await owner._client.request("session.provider.getEndpoint", {"sessionId": sid})

            # Joining by id is the official way in; the key stays with the client that sent it.
            await intruder.resume_session(sid, on_permission_request=PermissionHandler.approve_all)
            joined_endpoint = await intruder._client.request("session.provider.getEndpoint", {"sessionId": sid})
            return sid, refused, listed, owner_listed, again, own_endpoint, joined_endpoint

    try:
        sid, refused, listed, owner_listed, again, own_endpoint, joined_endpoint = run(main())
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert carrier.seen == [], "the intruder carried another client's model calls"
    calls = chat_calls(fresh_llmock)
    assert [m["content"] for m in calls[0]["body"]["messages"] if m["role"] == "user"] == ["Hello from the owner"]
    for method, error in refused.items():
        assert f"Session not found: {sid}" in error, (method, error)
    assert sid not in listed and sid in owner_listed
    assert again is not None and again.data.content
    assert [m["content"] for m in calls[-1]["body"]["messages"] if m["role"] == "user"] == ["Hello from the owner", "Still mine?"]
    assert own_endpoint["apiKey"] == "sk-owner-only-qzx" and own_endpoint["headers"]["X-Team"] == "team-secret-qzx"
    assert "apiKey" not in joined_endpoint or joined_endpoint["apiKey"] is None
    assert joined_endpoint["headers"]["X-Team"] == "<redacted>"
    assert "qzx" not in str(joined_endpoint), "no part of the key or header value (a sentinel no port number can contain)"
