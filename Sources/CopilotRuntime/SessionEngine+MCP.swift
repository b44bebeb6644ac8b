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
    /// Where the servers' questions go: the engine, once it exists.
    let relay = MCPSessionRelay()

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
        configs[name].flatMap { source(named: name, config: $0, sessionId: sessionId) }
    }

    /// A new (not yet started) tool source for a server configured as `config` (a custom agent's own).
    func source(named name: String, config: MCPServerConfig, sessionId: String) -> (any ToolSource)? {
        guard let connector else { return nil }
        var config = config
        if envValueMode == .indirect, case .stdio(let command, let arguments, let environment, let folder) = config.connection {
            let own = ProcessInfo.processInfo.environment
            let resolved = environment.compactMapValues { own[MCPEnvValueMode.variableName($0)] }
            config.connection = .stdio(command: command, arguments: arguments, environment: resolved, workingDirectory: folder)
        }
        return connector.source(named: name, config: config, sessionId: sessionId, workingDirectory: workingDirectory, link: relay.link)
    }
}

/// What an MCP server's source may ask of its session: the user to fill a form, the app for an
/// OAuth token (`nil`: nobody can answer now).
package struct MCPSessionLink: Sendable {
    package var elicit: @Sendable (ElicitationRequest) async throws -> ElicitationResult
    package var authorize: @Sendable (MCPAuthRequest) async -> MCPAuthResult?

    package init(
        elicit: @escaping @Sendable (ElicitationRequest) async throws -> ElicitationResult,
        authorize: @escaping @Sendable (MCPAuthRequest) async -> MCPAuthResult?
    ) {
        self.elicit = elicit
        self.authorize = authorize
    }

    /// A link to nobody: forms are declined, tokens not given.
    package static let none = MCPSessionLink(elicit: { _ in throw ElicitationUnavailable() }, authorize: { _ in nil })
}

/// Passes MCP servers' questions to the session's engine, which is made after its servers' sources.
final class MCPSessionRelay: Sendable {
    private let target = Mutex<MCPSessionLink>(.none)

    func connect(_ link: MCPSessionLink) {
        target.withLock { $0 = link }
    }

    var link: MCPSessionLink {
        MCPSessionLink(
            elicit: { request in try await self.target.withLock { $0 }.elicit(request) },
            authorize: { request in await self.target.withLock { $0 }.authorize(request) })
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

    /// Every configured server's status and tools, in name order.
    package var mcpStatus: [MCPServerStatus] {
        let live = mcpServers.map { source in
            let (status, error) = source.status
            return MCPServerStatus(name: source.serverName, status: status, error: error, tools: source.serverTools.map(\.name))
        }
        return (live + disabledMCPServers.map { MCPServerStatus(name: $0, status: "disabled") }).sorted { $0.name < $1.name }
    }

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

    /// Asks the app for an OAuth token for a remote MCP server: `mcp.oauth_required`, the handler's
    /// answer, then `mcp.oauth_completed`. `nil` when nobody can answer now (no handler, or no
    /// client has said it handles these yet); the server is then `needs-auth`.
    package func authorizeMCP(_ request: MCPAuthRequest) async -> MCPAuthResult? {
        guard let handler = mcpAuthHandler, handler.isAvailable else { return nil }
        _ = await publish(.mcpOAuthRequired(.init(
            requestId: request.requestId, serverName: request.serverName, serverUrl: request.serverURL, reason: request.reason.rawValue,
            wwwAuthenticateParams: request.challenge.isEmpty ? nil : request.challenge, resourceMetadata: request.resourceMetadata)))
        let result = (try? await handler(request)) ?? .cancelled
        let outcome = if case .token = result { "token" } else { "cancelled" }
        _ = await publish(.mcpOAuthCompleted(.init(requestId: request.requestId, outcome: outcome)))
        return result
    }

    /// Someone can now answer OAuth requests: the servers waiting for a token try again.
    package func retryMCPAuthorization() {
        Task { await prepareToolSources() }
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
