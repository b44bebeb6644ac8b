public import CopilotCore
import Foundation

/// An MCP (Model Context Protocol) server whose tools a session offers (``SessionConfig/mcpServers``).
///
/// ```swift
/// config.mcpServers = [
///     "files": .stdio(command: "npx", arguments: ["-y", "@modelcontextprotocol/server-filesystem", "."]),
///     "issues": .http(url: "https://mcp.example.com/mcp", headers: ["Authorization": "Bearer …"]),
/// ]
/// ```
///
/// The model sees a server's tools as `SERVER-TOOL` (the official runtime's naming); every call asks
/// the permission handler with kind `mcp`. A server that fails to start, exits or hangs gives the
/// model a tool error and the app a `session.warning`; it is started again on next use.
public struct MCPServerConfig: Sendable, Hashable {
    /// How the runtime reaches the server.
    public enum Connection: Sendable, Hashable {
        /// A program the runtime starts, speaking MCP on its standard input and output. It gets the
        /// harmless part of the runtime's environment (paths, user, locale) plus `environment`.
        case stdio(command: String, arguments: [String], environment: [String: String], workingDirectory: String?)
        /// A server at `url` speaking Streamable HTTP.
        case http(url: String, headers: [String: String])
        /// A server at `url` speaking the older HTTP+SSE transport.
        case sse(url: String, headers: [String: String])
    }

    public var connection: Connection
    /// Which of the server's tools to offer: `nil` or `["*"]` all of them, `[]` none, else their names.
    public var tools: [String]?
    /// How long connecting and listing may take, and each call (default: ``defaultTimeout``).
    public var timeout: Duration?

    /// What ``timeout`` is when not set.
    public static let defaultTimeout: Duration = .seconds(600)

    public init(connection: Connection, tools: [String]? = nil, timeout: Duration? = nil) {
        self.connection = connection
        self.tools = tools
        self.timeout = timeout
    }

    /// A server started as `command arguments…`.
    public static func stdio(
        command: String, arguments: [String] = [], environment: [String: String] = [:], workingDirectory: String? = nil,
        tools: [String]? = nil, timeout: Duration? = nil
    ) -> Self {
        Self(
            connection: .stdio(command: command, arguments: arguments, environment: environment, workingDirectory: workingDirectory),
            tools: tools, timeout: timeout)
    }

    /// A server at `url`, over Streamable HTTP.
    public static func http(url: String, headers: [String: String] = [:], tools: [String]? = nil, timeout: Duration? = nil) -> Self {
        Self(connection: .http(url: url, headers: headers), tools: tools, timeout: timeout)
    }

    /// A server at `url`, over the older HTTP+SSE transport.
    public static func sse(url: String, headers: [String: String] = [:], tools: [String]? = nil, timeout: Duration? = nil) -> Self {
        Self(connection: .sse(url: url, headers: headers), tools: tools, timeout: timeout)
    }

    /// Whether the server's tool `name` is offered.
    package func offers(_ name: String) -> Bool {
        guard let tools else { return true }
        return tools.contains("*") || tools.contains(name)
    }
}

/// One of a session's MCP servers as it is now (`CopilotSession.mcpServers()`, the chat's `/mcp`).
public struct MCPServerStatus: Sendable, Hashable {
    public var name: String
    /// `connected`, `pending`, `failed`, `needs-auth`, `stopped` or `disabled`.
    public var status: String
    /// What went wrong, when it `failed`.
    public var error: String?
    /// The server's tools, by its own names, while it is connected.
    public var tools: [String]

    public init(name: String, status: String, error: String? = nil, tools: [String] = []) {
        self.name = name
        self.status = status
        self.error = error
        self.tools = tools
    }
}

/// Starts the session's MCP servers as tool sources. The SDK and the server set it
/// (``SessionConfig/mcpConnector``); the runtime itself does not know MCP.
package protocol MCPConnector: Sendable {
    /// A source for the server `name` of session `sessionId`, started on first use; `link` takes
    /// the server's questions to the session (forms for the user, OAuth tokens from the app).
    func source(named name: String, config: MCPServerConfig, sessionId: String, workingDirectory: String?, link: MCPSessionLink) -> any ToolSource
}

/// A tool source that is an MCP server, as `session.mcp.*` sees it.
package protocol MCPServerSource: ToolSource {
    /// The server's name in the session's config.
    var serverName: String { get }
    /// `connected`, `pending` (starting, or not started yet), `failed` (with the error),
    /// `needs-auth` (it wants an OAuth token nobody gave) or `stopped`.
    var status: (status: String, error: String?) { get }
    /// Calls the server's tool `name` directly, not through the model (MCP Apps): its raw `CallToolResult`.
    func callDirectly(_ name: String, arguments: JSONValue?) async throws -> JSONValue
    /// The server's tools as it lists them (its own names), while it is connected.
    var serverTools: [(name: String, description: String?)] { get }
    /// Ends the server; it stays stopped until ``start()``.
    func stop() async
    /// Starts the server (again) and lists its tools.
    func start() async throws
}
