package import CopilotCore
package import CopilotProviders
import Foundation

/// Where a tool comes from, as the official `builtin:`, `custom:` and `mcp:` tool selectors name it.
package enum ToolOrigin: Sendable, Hashable {
    /// The runtime's own tools (`view`, `bash`, `ask_user`…).
    case builtin
    /// The app's tools (``SessionConfig/tools``, or a connected client's).
    case custom
    /// The MCP server `server`'s tool `tool` (its own name, not the one the model sees).
    case mcp(server: String, tool: String)

    /// The selector prefix: `builtin`, `custom` or `mcp`.
    var selector: String {
        switch self {
        case .builtin: "builtin"
        case .custom: "custom"
        case .mcp: "mcp"
        }
    }
}

/// One tool as its source offers it.
package struct SourcedTool: Sendable {
    /// What the model sees.
    package var definition: ToolDefinition
    package var origin: ToolOrigin

    package init(_ definition: ToolDefinition, origin: ToolOrigin) {
        self.definition = definition
        self.origin = origin
    }
}

/// What a source's call gets from the session that routes it: the call, its arguments (after the
/// `preToolUse` hook), and the session's permission decisions and events.
package struct ToolCallContext: Sendable {
    package var sessionId: String
    /// The call as the model made it (its `arguments` text unchanged).
    package var call: ToolCall
    /// The arguments object the tool runs with (the hook may have changed them).
    package var arguments: JSONValue
    /// The session's working directory now.
    package var workingDirectory: String
    /// The turn the call belongs to.
    package var turnID: String
    /// The agent making the call (the main agent or a sub-agent).
    var agent: AgentIdentity
    /// The session's decision on a permission request: its rules, approve-all, what was approved for
    /// the session, and otherwise the permission handler. A `preToolUse` hook that allowed the call
    /// approves what stays inside the working directory.
    package var ask: @Sendable (PermissionRequest) async -> PermissionDecision
    /// ``ask`` and, when the answer is no, the result the model and the app see.
    package var permit: @Sendable (PermissionRequest) async -> ToolResult?
    /// Emits an event of the session (in order with the call's own).
    package var publish: @Sendable (SessionEvent.Payload) async -> Void
    /// The session's `preMcpToolCall` hook (nil when it has none, or it failed).
    package var preMcpToolCall: @Sendable (PreMcpToolCallInput) async -> PreMcpToolCallOutput?
}

/// What one call produced: its result, and images the model should see after it.
package struct ToolRunOutput: Sendable {
    package var result: ToolResult
    package var images: [MediaContent] = []
    /// The path an image was read from, named in the message that carries it.
    package var imagePath: String?
    /// The result's blocks in their own form, for `tool.execution_complete` (an MCP tool's).
    package var contents: [JSONValue]?
    /// The structured result, for `tool.execution_complete` (an MCP tool's `structuredContent`).
    package var structuredContent: JSONValue?
    /// Text the model gets as a message of its own after the turn's results (a skill's instructions).
    package var followUp: String?

    package init(
        _ result: ToolResult, images: [MediaContent] = [], imagePath: String? = nil, contents: [JSONValue]? = nil, structuredContent: JSONValue? = nil
    ) {
        self.result = result
        self.images = images
        self.imagePath = imagePath
        self.contents = contents
        self.structuredContent = structuredContent
    }
}

/// A place tools come from: the built-in tools, the app's, an MCP server, a connected client.
///
/// A source says which tools it offers now (the session asks before every model call, so a list
/// that changes shows in the next request) and runs the calls routed to it. The session does the
/// rest the same way for every source: the tool filters, the `preToolUse` / `postToolUse` hooks,
/// the events, cancellation and the wording of failures. Asking permission is the source's part,
/// since only it knows what a call touches; it asks through ``ToolCallContext/ask``.
package protocol ToolSource: Sendable {
    /// The tools offered now.
    var tools: [SourcedTool] { get }
    /// Runs one call of a tool this source offered. A thrown error is a failed call (the model gets
    /// the runtime's generic text, the app the error); `CancellationError` is an interrupted one.
    func run(_ context: ToolCallContext) async throws -> ToolRunOutput
    /// Called before every model call: a source that reaches something (an MCP server) connects,
    /// or connects again, here, and says what went wrong through `publish` (a `session.warning`).
    func prepare(publish: @escaping @Sendable (SessionEvent.Payload) async -> Void) async
    /// The session is closing, or the source is unregistered: whatever it started ends.
    func close() async
}

extension ToolSource {
    package func prepare(publish: @escaping @Sendable (SessionEvent.Payload) async -> Void) async {}
    package func close() async {}
}

/// Which tools a session lets through: the official `availableTools` (nil = all) and
/// `excludedTools` (which wins). Entries are names, or the selectors `builtin:NAME`, `custom:NAME`
/// and `mcp:NAME`, where NAME may be `*`.
package struct ToolFilter: Sendable, Hashable {
    package var available: [String]?
    package var excluded: [String]?

    package init(available: [String]?, excluded: [String]?) {
        self.available = available
        self.excluded = excluded
    }

    package func allows(_ name: String, origin: ToolOrigin) -> Bool {
        func matches(_ entry: String) -> Bool {
            guard let colon = entry.firstIndex(of: ":") else { return entry == name }
            guard entry[..<colon] == origin.selector else { return false }
            let selected = entry[entry.index(after: colon)...]
            return selected == "*" || selected == name
        }
        if excluded?.contains(where: matches) == true { return false }
        return available.map { $0.contains(where: matches) } ?? true
    }
}

/// The tools of one session, by source: which ones a model call offers, and which source runs a call.
///
/// Sources register and unregister while the session lives. The offered list is every source's
/// tools in registration order, through the session's ``ToolFilter``; when two sources offer one
/// name, a tool that is not built in wins over a built-in one (an app's tool that overrides it, an
/// MCP server's), and otherwise the source registered first keeps it.
package struct ToolRegistry: Sendable {
    /// Each source, and the sub-agent it serves alone (`nil`: every agent of the session).
    private var sources: [(id: String, source: any ToolSource, agent: String?)] = []
    package let filter: ToolFilter

    /// One offered tool and the source that runs it.
    package struct Offered: Sendable {
        package var tool: SourcedTool
        package var source: any ToolSource
        package var name: String { tool.definition.name }
    }

    package init(filter: ToolFilter) {
        self.filter = filter
    }

    /// Adds `source` under `id`, replacing a source registered under the same id in its place;
    /// returns the one it replaced.
    /// With `agent`, only that sub-agent is offered its tools (a custom agent's own MCP servers).
    @discardableResult
    package mutating func register(_ source: any ToolSource, id: String, agent: String? = nil) -> (any ToolSource)? {
        if let index = sources.firstIndex(where: { $0.id == id }) {
            defer { sources[index] = (id, source, agent) }
            return sources[index].source
        }
        sources.append((id, source, agent))
        return nil
    }

    /// Removes the source registered under `id`, and returns it; its tools are gone from the next model call.
    @discardableResult
    package mutating func unregister(id: String) -> (any ToolSource)? {
        guard let index = sources.firstIndex(where: { $0.id == id }) else { return nil }
        return sources.remove(at: index).source
    }

    /// Every registered source, in order.
    package var all: [any ToolSource] { sources.map(\.source) }

    /// The source registered under `id`.
    package func source(id: String) -> (any ToolSource)? {
        sources.first { $0.id == id }?.source
    }

    /// The tools a model call of `agent` (`nil`: the main agent) offers now, in order.
    package func offered(to agent: String? = nil) -> [Offered] {
        var all: [Offered] = []
        for (_, source, owner) in sources where owner == nil || owner == agent {
            all += source.tools.filter { filter.allows($0.definition.name, origin: $0.origin) }.map { Offered(tool: $0, source: source) }
        }
        var winner: [String: Int] = [:]
        for (index, entry) in all.enumerated() {
            guard let held = winner[entry.name] else {
                winner[entry.name] = index
                continue
            }
            if all[held].tool.origin == .builtin, entry.tool.origin != .builtin { winner[entry.name] = index }
        }
        return all.enumerated().filter { winner[$0.element.name] == $0.offset }.map(\.element)
    }
}
