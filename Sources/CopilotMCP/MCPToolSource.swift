package import CopilotCore
package import CopilotRuntime
import Foundation
package import Logging
import CopilotProviders
import Synchronization

/// One MCP server's tools as a ``ToolSource``.
///
/// The server starts when the session first prepares a model call, and its tools are listed then
/// and again after it says its list changed (`notifications/tools/list_changed`), so the change
/// shows in the next request. The model sees a tool as `SERVER-TOOL`; a call asks permission with
/// kind `mcp` (the server, the tool's own name and title, whether it only reads), then goes to the
/// server. A server that cannot start, exits or does not answer in time fails the call (the model
/// is told, the app gets a `session.warning` with what the server wrote to its standard error),
/// and is started again on next use.
package final class MCPToolSource: MCPServerSource {
    package let serverName: String
    private let config: MCPServerConfig
    private let scope: String
    private let workingDirectory: String?
    private let logger: Logger
    private let state = Mutex(State())

    /// One of the server's tools, by the name the model calls it.
    private struct Listed {
        var name: String
        var title: String
        var readOnly: Bool
    }

    private struct State {
        var tools: [SourcedTool] = []
        var listed: [String: Listed] = [:]
        var connection: MCPConnection?
        var opening: Task<MCPConnection, any Error>?
        /// The tools must be listed (again) before the next model call.
        var stale = true
        var closed = false
        /// What last went wrong, so it is reported once, not before every model call.
        var reported: String?
        /// The last failure to start or list, while no connection is live.
        var failure: String?
        /// Stopped through `session.mcp.stopServer`: not started again until `start()`.
        var stopped = false
        /// The listing under way, which every caller of ``prepare(publish:)`` waits for.
        var refreshing: Task<Void, any Error>?
        /// The server's own tools, as it last listed them.
        var serverTools: [(name: String, description: String?)] = []
        /// The OAuth token the app gave for this server (kept for the next connection).
        var token: String?
        /// The server wants a token nobody gave.
        var needsAuthorization = false
        /// The status last announced (`session.mcp_server_status_changed`).
        var announced: String?
    }

    private let link: MCPSessionLink

    package init(
        serverName: String, config: MCPServerConfig, sessionId: String, workingDirectory: String?, logger: Logger, link: MCPSessionLink = .none
    ) {
        self.serverName = serverName
        self.link = link
        self.config = config
        self.scope = "\(sessionId)#mcp-\(serverName)#\(UUID().uuidString.prefix(8))"
        self.workingDirectory = workingDirectory
        var logger = logger
        logger[metadataKey: "mcp.server"] = "\(serverName)"
        self.logger = logger
    }

    /// The server's tools as offered to the model: none while it is stopped (`stop()`), as a call would only fail.
    package var tools: [SourcedTool] { state.withLock { $0.stopped ? [] : $0.tools } }

    package func prepare(publish: @escaping @Sendable (SessionEvent.Payload) async -> Void) async {
        do {
            let joined = state.withLock { $0.refreshing != nil }
            do {
                try await refresh()
            } catch let error as MCPTransportError where joined && error.needsAuthorization {
                // The attempt this joined began before the reason for this call (a client that
                // now answers OAuth requests) and found nobody to ask: one more, its own.
                try await refresh()
            }
            state.withLock { $0.reported = nil }
        } catch is CancellationError {
            return
        } catch {
            await report(error, publish: publish)
        }
        await announceStatus(publish: publish)
    }

    /// `session.mcp_server_status_changed` when the status differs from the one last announced.
    private func announceStatus(publish: @Sendable (SessionEvent.Payload) async -> Void) async {
        let now = status
        let changed = state.withLock { state in
            defer { state.announced = now.status }
            return state.announced != now.status
        }
        if changed { await publish(.mcpServerStatusChanged(.init(serverName: serverName, status: now.status, error: now.error))) }
    }

    /// Connects when not connected and lists the tools when they are stale; one refresh at a time,
    /// which every concurrent caller waits for.
    private func refresh() async throws {
        let task = state.withLock { state -> Task<Void, any Error>? in
            if let refreshing = state.refreshing { return refreshing }
            let live = state.connection.map { !$0.hasEnded } ?? false
            guard !state.closed, !state.stopped, state.stale || !live else { return nil }
            let task = Task {
                defer { self.state.withLock { $0.refreshing = nil } }
                do {
                    let connection = try await self.connected()
                    self.state.withLock { $0.stale = false }
                    self.list(try await connection.listTools())
                    self.state.withLock { state in
                        state.failure = nil
                        state.needsAuthorization = false
                    }
                } catch {
                    self.state.withLock { state in
                        state.stale = true
                        state.needsAuthorization = (error as? MCPTransportError)?.needsAuthorization == true
                        if !(error is CancellationError) { state.failure = String(describing: error) }
                    }
                    throw error
                }
            }
            state.refreshing = task
            return task
        }
        try await task?.value
    }

    package var status: (status: String, error: String?) {
        state.withLock { state in
            if state.stopped { return ("stopped", nil) }
            // Connected once its tools are listed.
            if let connection = state.connection, !connection.hasEnded, state.refreshing == nil { return ("connected", nil) }
            if let failure = state.failure, state.refreshing == nil, state.opening == nil {
                return (state.needsAuthorization ? "needs-auth" : "failed", failure)
            }
            return ("pending", nil)
        }
    }

    package var serverTools: [(name: String, description: String?)] {
        state.withLock { state in
            guard let connection = state.connection, !connection.hasEnded else { return [] }
            return state.serverTools
        }
    }

    package func stop() async {
        let connection = state.withLock { state in
            state.stopped = true
            defer { state.connection = nil }
            return state.connection
        }
        await connection?.close()
    }

    package func start() async throws {
        state.withLock { state in
            state.stopped = false
            state.stale = true
        }
        try await refresh()
    }

    package func run(_ context: ToolCallContext) async throws -> ToolRunOutput {
        guard let tool = state.withLock({ $0.listed[context.call.name] }) else {
            throw MCPToolError("`\(context.call.name)` is not a tool of the MCP server `\(serverName)`.")
        }
        var request = PermissionRequest(kind: .mcp, toolCallId: context.call.id, toolName: tool.name, args: context.arguments)
        request.serverName = serverName
        request.toolTitle = tool.title
        request.readOnly = tool.readOnly
        if let refusal = await context.permit(request) { return ToolRunOutput(refusal) }
        // The request carries no `_meta` of its own; the hook may give it one.
        var meta: [String: JSONValue]?
        let hook = PreMcpToolCallInput(
            sessionId: context.sessionId, serverName: serverName, toolName: tool.name, arguments: context.arguments,
            toolCallId: context.call.id, meta: nil)
        switch await context.preMcpToolCall(hook)?.meta {
        case .replace(let fields): meta = fields
        case .remove: meta = nil
        case .keep, nil: break
        }
        do {
            let connection = try await connected()
            let arguments: JSONValue = context.arguments.objectValue != nil ? context.arguments : .object([:])
            return Self.output(try await connection.call(tool.name, arguments: arguments, meta: meta))
        } catch let error as CancellationError {
            throw error
        } catch {
            await report(error, publish: context.publish)
            throw MCPToolError("The MCP server `\(serverName)` failed: \(error)")
        }
    }

    /// Calls the server's tool `name` directly (not through the model): its raw `CallToolResult`.
    package func callDirectly(_ name: String, arguments: JSONValue?) async throws -> JSONValue {
        try await refresh()
        let connection = try await connected()
        return try await connection.call(name, arguments: arguments?.objectValue != nil ? arguments! : .object([:]))
    }

    package func close() async {
        let (connection, opening) = state.withLock { state in
            state.closed = true
            defer { (state.connection, state.opening) = (nil, nil) }
            return (state.connection, state.opening)
        }
        opening?.cancel()
        await connection?.close()
        if let opened = try? await opening?.value { await opened.close() }
    }

    // MARK: Connecting

    /// The live connection, or a new one (once at a time) when there is none or the server has gone.
    private func connected() async throws -> MCPConnection {
        enum Next { case live(MCPConnection), wait(Task<MCPConnection, any Error>), gone(MCPConnection?) }
        let next = state.withLock { state -> Next in
            if state.closed || state.stopped { return .gone(nil) }
            if let connection = state.connection, !connection.hasEnded { return .live(connection) }
            if let opening = state.opening { return .wait(opening) }
            return .gone(state.connection)
        }
        switch next {
        case .live(let connection):
            return connection
        case .wait(let opening):
            return try await opening.value
        case .gone(let ended):
            await ended?.close()
            return try await open()
        }
    }

    private func open() async throws -> MCPConnection {
        let stopped = state.withLock { $0.stopped }
        if stopped { throw MCPToolError("The MCP server `\(serverName)` was stopped (session.mcp.stopServer).") }
        let task = state.withLock { state -> Task<MCPConnection, any Error>? in
            guard !state.closed else { return nil }
            if let opening = state.opening { return opening }
            let transport = Result { try makeTransport(token: state.token) }
            let elicit = link.elicit
            let opening = Task { [config, serverName] in
                try await MCPConnection.open(
                    try transport.get(), timeout: config.timeout ?? MCPServerConfig.defaultTimeout, logger: logger,
                    elicit: { request in try await elicit(Self.elicitation(request, from: serverName)) }
                ) { [weak self] in self?.state.withLock { $0.stale = true } }
            }
            state.opening = opening
            state.connection = nil
            return opening
        }
        guard let task else { throw CancellationError() }
        do {
            let connection = try await task.value
            let kept = state.withLock { state -> Bool in
                state.opening = nil
                guard !state.closed else { return false }
                state.connection = connection
                state.stale = true
                return true
            }
            if !kept {
                await connection.close()
                throw CancellationError()
            }
            return connection
        } catch {
            state.withLock { $0.opening = nil }
            throw error
        }
    }

    /// The transport to the server: a process started for it (its program found on `PATH` when the
    /// command names no folder), or an HTTP connection to its URL.
    private func makeTransport(token: String?) throws -> any MCPTransport {
        let timeout = config.timeout ?? MCPServerConfig.defaultTimeout
        switch config.connection {
        case .stdio(let command, let arguments, let environment, let directory):
            let folder = directory.map { path in
                path.hasPrefix("/") ? path : URL(fileURLWithPath: workingDirectory ?? FileManager.default.currentDirectoryPath).appendingPathComponent(path).path
            } ?? workingDirectory
            guard let executable = Self.executable(command, path: environment["PATH"] ?? ProcessInfo.processInfo.environment["PATH"], in: folder) else {
                throw MCPToolError("The MCP server `\(serverName)`: no program `\(command)` was found (on PATH or in its folder).")
            }
            let process = ChildProcess.Configuration(executable: executable, arguments: arguments, workingDirectory: folder, environment: environment)
            return StdioTransport(process, scope: scope, logger: logger)
        case .http(let url, let headers):
            let (serverName, authorize) = (serverName, link.authorize)
            return StreamableHTTPTransport(
                url: url, headers: headers, http: Self.http(timeout: timeout), logger: logger, token: token
            ) { [weak self] challenge in
                let request = MCPAuthRequest(
                    requestId: UUID().uuidString.lowercased(), serverName: serverName, serverURL: challenge.serverURL, reason: challenge.reason,
                    challenge: challenge.parameters, resourceMetadata: challenge.resourceMetadata)
                guard case .token(let token, _) = await authorize(request) else { return nil }
                self?.state.withLock { $0.token = token }
                return token
            }
        case .sse(let url, let headers):
            return SSETransport(url: url, headers: headers, http: Self.http(timeout: timeout), logger: logger)
        }
    }

    /// The shared HTTP client for remote servers with this timeout: a quiet answer or event
    /// stream may last as long as a call may.
    private static func http(timeout: Duration) -> AsyncHTTPClientTransport {
        AsyncHTTPClientTransport.shared(timeouts: HTTPTimeouts(connect: .seconds(10), idle: timeout))
    }

    static func executable(_ command: String, path: String?, in folder: String?) -> String? {
        let manager = FileManager.default
        if command.contains("/") {
            let resolved = command.hasPrefix("/") || folder == nil ? command : URL(fileURLWithPath: folder!).appendingPathComponent(command).path
            return manager.isExecutableFile(atPath: resolved) ? resolved : nil
        }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(command)"
            if manager.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    // MARK: Tools and results

    private func list(_ listed: [JSONValue]) {
        var tools: [SourcedTool] = []
        var byName: [String: Listed] = [:]
        var serverTools: [(String, String?)] = []
        for tool in listed {
            guard let name = tool["name"]?.stringValue else { continue }
            let description = tool["description"]?.stringValue
            serverTools.append((name, description))
            guard config.offers(name) else { continue }
            let offered = Self.offeredName(server: serverName, tool: name)
            guard byName[offered] == nil else { continue }
            let annotations = tool["annotations"]
            byName[offered] = Listed(
                name: name, title: tool["title"]?.stringValue ?? annotations?["title"]?.stringValue ?? name,
                readOnly: annotations?["readOnlyHint"] == true)
            // A server that declares no schema (`{}`) takes an object all the same.
            let schema = tool["inputSchema"] ?? .object([:])
            let parameters: JSONValue = schema.objectValue?.isEmpty == false ? schema : ["type": "object", "properties": [:]]
            tools.append(SourcedTool(
                ToolDefinition(name: offered, description: description ?? "", parameters: parameters),
                origin: .mcp(server: serverName, tool: name)))
        }
        state.withLock { state in
            state.tools = tools
            state.listed = byName
            state.serverTools = serverTools
        }
    }

    /// `SERVER-TOOL`, as the official runtime names MCP tools, with any character a model API
    /// refuses in a tool name (outside `a-zA-Z0-9_-`) written as `_`.
    static func offeredName(server: String, tool: String) -> String {
        String(String.UnicodeScalarView("\(server)-\(tool)".unicodeScalars.map { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "_" || scalar == "-") ? scalar : "_"
        }))
    }

    /// What the model and the app see of a result (`CallToolResult`): its text blocks, embedded
    /// text resources and (when it has no text) its structured content, one after the other; its
    /// images go to the model after the results. `isError` makes it a failed call the model is told about.
    static func output(_ result: JSONValue) -> ToolRunOutput {
        var texts: [String] = []
        var images: [MediaContent] = []
        let blocks = result["content"]?.arrayValue ?? []
        for block in blocks {
            switch block["type"]?.stringValue {
            case "text":
                texts.append(block["text"]?.stringValue ?? "")
            case "image":
                if let data = block["data"]?.stringValue, let mimeType = block["mimeType"]?.stringValue {
                    images.append(MediaContent(mimeType: mimeType, base64Data: data))
                }
            case "audio":
                texts.append("[audio: \(block["mimeType"]?.stringValue ?? "unknown type")]")
            case "resource":
                let resource = block["resource"]
                texts.append(resource?["text"]?.stringValue ?? "[resource: \(resource?["uri"]?.stringValue ?? "")]")
            case "resource_link":
                texts.append("[\(block["name"]?.stringValue ?? "")](\(block["uri"]?.stringValue ?? ""))")
            default:
                continue
            }
        }
        let structured = result["structuredContent"].flatMap { $0 == .null ? nil : $0 }
        if texts.isEmpty, let structured { texts.append(structured.jsonString) }
        let text = texts.joined(separator: "\n")
        if result["isError"] == true {
            return ToolRunOutput(ToolResult(textResultForLlm: text, resultType: .failure, error: text))
        }
        return ToolRunOutput(.success(text), images: images, contents: blocks.isEmpty ? nil : blocks, structuredContent: structured)
    }

    /// A server's `elicitation/create` (its params) as the session's form request.
    static func elicitation(_ parameters: JSONValue, from server: String) -> ElicitationRequest {
        let id = UUID().uuidString.lowercased()
        let message = parameters["message"]?.stringValue ?? ""
        if parameters["mode"]?.stringValue == "url" {
            return ElicitationRequest(requestId: id, message: message, mode: "url", source: server, url: parameters["url"]?.stringValue)
        }
        let schema = parameters["requestedSchema"] ?? ["type": "object", "properties": [:]]
        return ElicitationRequest(requestId: id, message: message, requestedSchema: schema, mode: "form", source: server)
    }

    /// Tells the app, once per distinct failure, what went wrong with the server.
    private func report(_ error: any Error, publish: @Sendable (SessionEvent.Payload) async -> Void) async {
        let message = "The MCP server `\(serverName)` is not available: \(error)"
        let isNew = state.withLock { state in
            defer { state.reported = message }
            return state.reported != message
        }
        logger.warning("MCP server failed", metadata: ["error": "\(error)"])
        if isNew { await publish(.sessionWarning(.init(warningType: "mcp_server", message: message))) }
    }
}

/// An MCP tool call that could not be made.
struct MCPToolError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Starts MCP servers for sessions (``SessionConfig/mcpConnector``).
package struct MCPServers: MCPConnector {
    private let logger: Logger

    package init(logger: Logger) {
        self.logger = logger
    }

    package func source(named name: String, config: MCPServerConfig, sessionId: String, workingDirectory: String?, link: MCPSessionLink) -> any ToolSource {
        MCPToolSource(serverName: name, config: config, sessionId: sessionId, workingDirectory: workingDirectory, logger: logger, link: link)
    }
}
