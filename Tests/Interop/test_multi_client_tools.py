"""Each client of a shared session brings its own tools (the official multi-client mode), through the
official Python SDK 1.0.27 and llmock.

A second client joins a live session by its id (`resume_session`) with a tool of its own. The session
is taken up again with the joiner's config, and the first client's tool stays: the joiner's is
offered beside it, each call runs in the client that owns the tool, and once the joiner leaves its
tool is no longer offered."""
import os

from pydantic import BaseModel, Field

from copilot import CopilotClient, RuntimeConnection
from copilot.session import PermissionHandler
from copilot.tools import define_tool

from test_python_sdk import ONLY_APP_TOOLS, chat_calls, provider, run, start_server


class CountryCode(BaseModel):
    code: str = Field(description="A two-letter country code")


def offered(call):
    return [tool["function"]["name"] for tool in call["body"].get("tools", [])]


def test_each_client_runs_its_own_tools(fresh_llmock, cli_binary, tmp_path):
    process, port = start_server(cli_binary, env=dict(os.environ, COPILOT_SWIFT_HOME=str(tmp_path / "home")))
    ran = []

    def city(params: CountryCode, invocation) -> str:
        ran.append(("owner", "city_lookup"))
        return f"CITY_FOR_{params.code}"

    def currency(params: CountryCode, invocation) -> str:
        ran.append(("joiner", "currency_lookup"))
        return f"CURRENCY_FOR_{params.code}"

    city_tool = define_tool("city_lookup", description="Returns the capital city of a country", handler=city, params_type=CountryCode)
    currency_tool = define_tool(
        "currency_lookup", description="Returns the currency of a country", handler=currency, params_type=CountryCode)

    def connection():
        return RuntimeConnection.for_uri(f"127.0.0.1:{port}", connection_token="interop-token-123")

    async def main():
        async with CopilotClient(connection=connection()) as owner, CopilotClient(connection=connection()) as joiner:
            session = await owner.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(fresh_llmock),
                working_directory=str(tmp_path), tools=[city_tool], available_tools=ONLY_APP_TOOLS)
            # A resume's config applies from then on (here: the same tool filter), the owner's tools stay.
            joined = await joiner.resume_session(
                session.session_id, on_permission_request=PermissionHandler.approve_all, tools=[currency_tool],
                available_tools=ONLY_APP_TOOLS)
            # llmock calls the offered tool that best matches the conversation so far.
            first = await session.send_and_wait("Look up the currency of a country", timeout=30)
            await joined.disconnect()
            after = await session.send_and_wait("Look up the capital city of a country", timeout=30)
            await session.disconnect()
            return first, after

    try:
        first, after = run(main())
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert ran == [("joiner", "currency_lookup"), ("owner", "city_lookup")]
    assert first is not None and first.data.content and after is not None and after.data.content
    calls = chat_calls(fresh_llmock)
    # The tool call and the answer while both clients are there, then the same once the joiner left.
    assert [sorted(offered(call)) for call in calls] == [["city_lookup", "currency_lookup"]] * 2 + [["city_lookup"]] * 2
    tool_results = [m["content"] for m in calls[-1]["body"]["messages"] if m["role"] == "tool"]
    assert len(tool_results) == 2 and tool_results[0].startswith("CURRENCY_FOR_") and tool_results[1].startswith("CITY_FOR_")
