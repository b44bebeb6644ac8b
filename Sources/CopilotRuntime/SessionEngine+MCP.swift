import CopilotCore
import Foundation
import Synchronization

/// A session's MCP servers as configured: every server's config (disabled ones too), which are
/// disabled, how env values are read, and how a server is started.
struct MCPHost: Sendable {
    var configs: [String: MCPServerConfig]
    let connector: (any MCPConnector)?
    var disabled: Set<String>
    let workingDirectory: String?
    /// `direct`: a stdio server's `env` values are the values; `indirect`: each value names a
    /// variable of the runtime's own environment, whose value the server gets.
    var envValueMode: MCPEnvValueMode = .direct
    /// Where the servers' forms go: the engine, once it exists.
    let elicitation = ElicitationRelay()

    init(configs: [String: MCPServerConfig], connector: (any MCPConnector)?, disabled: Set<String>, workingDirectory: String?) {
        self.configs = configs
        self.connector = connector
        self.disabled = disabled
        self.workingDirectory = workingDirectory
    }

    /// Whether the session has MCP servers to manage (the official "MCP host").
    var isPresent: Bool { connector != nil && !configs.isEmpty }

    /// The configured servers that are not disabled, by name.
    var enabledNames: [String] { configs.keys.filter { !disabled.contains($0) }.sorted() }

    /// The registry id of the server `name`'s tool source.
    static func sourceID(_ name: String) -> String { "mcp:\(name)" }

    /// A new (not yet started) tool source for the server `name`.
    func source(named name: String, sessionId: String) -> (any ToolSource)? {
        guard let connector, var config = configs[name] else { return nil }
        if envValueMode == .indirect, case .stdio(let command, let arguments, let environment, let folder) = config.connection {
            let own = ProcessInfo.processInfo.environment
            let resolved = environment.compactMapValues { own[MCPEnvValueMode.variableName($0)] }
            config.connection = .stdio(command: command, arguments: arguments, environment: resolved, workingDirectory: folder)
        }
        let relay = elicitation
        return connector.source(named: name, config: config, sessionId: sessionId, workingDirectory: workingDirectory) { request in
            try await relay.elicit(request)
        }
    }
}

/// Passes MCP servers' forms to the session's engine, which is made after its servers' sources.
final class ElicitationRelay: Sendable {
    private let target = Mutex<(@Sendable (ElicitationRequest) async throws -> ElicitationResult)?>(nil)

    func connect(_ elicit: @escaping @Sendable (ElicitationRequest) async throws -> ElicitationResult) {
        target.withLock { $0 = elicit }
    }

    func elicit(_ request: ElicitationRequest) async throws -> ElicitationResult {
        guard let elicit = target.withLock({ $0 }) else { throw ElicitationUnavailable() }
        return try await elicit(request)
    }
}

/// How a stdio MCP server's `env` values are read (`session.mcp.setEnvValueMode`).
package enum MCPEnvValueMode: String, Sendable, Codable {
    /// The values are the values.
    case direct
    /// Each value names a variable of the runtime's environment (`NAME`, `$NAME` or `${NAME}`).
    case indirect

    static func variableName(_ value: String) -> String {
        if value.hasPrefix("${"), value.hasSuffix("}") { return String(value.dropFirst(2).dropLast()) }
        if value.hasPrefix("$") { return String(value.dropFirst()) }
        return value
    }
}

/// Why an MCP host operation was refused; its message is the official runtime's.
package struct MCPHostError: Error, CustomStringConvertible {
    package var description: String
    init(_ description: String) { self.description = description }
}

extension SessionEngine {
    /// Whether the session can ask the user to fill a form.
    package var canElicit: Bool { elicitationHandler != nil }

    /// Asks the user to fill a form: `elicitation.requested`, the handler's answer, then
    /// `elicitation.completed`. Throws ``ElicitationUnavailable`` when no handler is set.
    package func elicit(_ request: ElicitationRequest) async throws -> ElicitationResult {
        guard let handler = elicitationHandler else { throw ElicitationUnavailable() }
        _ = await publish(.elicitationRequested(.init(
            requestId: request.requestId, message: request.message, mode: request.mode, requestedSchema: request.requestedSchema,
            elicitationSource: request.source, toolCallId: request.toolCallId, url: request.url)))
        let result: ElicitationResult
        do {
            result = try await handler(request)
        } catch {
            _ = await publish(.elicitationCompleted(.init(requestId: request.requestId, action: ElicitationResult.Action.cancel.rawValue)))
            throw error
        }
        _ = await publish(.elicitationCompleted(.init(
            requestId: request.requestId, action: result.action.rawValue, content: result.content.map { .object($0) })))
        return result
    }

    /// The servers configured but disabled, by name.
    package var disabledMCPServers: [String] { mcp.disabled.filter { mcp.configs[$0] != nil }.sorted() }

    /// The configured server `name` (enabled or not).
    package func mcpConfig(named name: String) -> MCPServerConfig? { mcp.configs[name] }

    /// Whether the session has MCP servers at all.
    package var hasMCPHost: Bool { mcp.isPresent }

    /// Disables (stops, and stops offering) or enables (starts again) the configured server `name`.
    package func setMCPServer(_ name: String, enabled: Bool) async throws {
        guard mcp.isPresent else { throw MCPHostError("No MCP host initialized") }
        guard mcp.configs[name] != nil else { throw MCPHostError("MCP server \(name) is not configured.") }
        if enabled {
            guard mcp.disabled.remove(name) != nil else { return }
            if let source = mcp.source(named: name, sessionId: sessionId) {
                await register(source, id: MCPHost.sourceID(name))
                Task { await self.prepareToolSources() }
            }
        } else {
            guard mcp.disabled.insert(name).inserted else { return }
            await unregister(toolSource: MCPHost.sourceID(name))
        }
    }

    /// Ends every enabled server and starts each again from its config.
    package func reloadMCPServers() async throws {
        guard mcp.isPresent else { throw MCPHostError("MCP config reload not available: this session has no MCP servers.") }
        for name in mcp.enabledNames {
            if let source = mcp.source(named: name, sessionId: sessionId) { await register(source, id: MCPHost.sourceID(name)) }
        }
        Task { await self.prepareToolSources() }
    }

    /// How stdio servers started from now on read their `env` values.
    package func setMCPEnvValueMode(_ mode: MCPEnvValueMode) {
        mcp.envValueMode = mode
    }
}
