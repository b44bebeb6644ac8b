"""An OAuth-protected MCP server on the official Python `mcp` package (2.3.0), for the tests of
copilot-swift's MCP OAuth: it serves Streamable HTTP at /mcp on 127.0.0.1:PORT as an OAuth resource
server, answering requests without the accepted token with the package's own 401 Bearer challenge
(`resource_metadata` pointing at its protected-resource metadata, `scope`, `error`).

    python oauth_mcp_server.py PORT TOKEN

Its one tool, `whoami`, says which token the request carried.
"""
import sys

from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer

PORT = int(sys.argv[1])
TOKEN = sys.argv[2]


class OneTokenVerifier:
    async def verify_token(self, token: str) -> AccessToken | None:
        if token != TOKEN:
            return None
        return AccessToken(token=token, client_id="copilot-swift-tests", scopes=["mcp.read"])


server = MCPServer(
    "copilot-swift-oauth-test-server",
    token_verifier=OneTokenVerifier(),
    auth=AuthSettings(
        issuer_url=f"http://127.0.0.1:{PORT}", resource_server_url=f"http://127.0.0.1:{PORT}/mcp", required_scopes=["mcp.read"]),
)


@server.tool(description="Says who the caller is")
def whoami() -> str:
    return "the holder of the accepted token"


if __name__ == "__main__":
    server.run(transport="streamable-http", host="127.0.0.1", port=PORT)
