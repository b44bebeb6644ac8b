import CopilotCore
import CopilotProtocol
import CopilotRuntime
import Foundation

/// The MCP methods: a session's servers (`session.mcp.*`: status, tools, stop/start, enable/disable,
/// reload, env value mode, sampling, MCP Apps) and the user's own servers (`mcp.config.*`).
extension RuntimeServer {
    static func addMCPMethods(to router: inout RPCRouter, _ server: RuntimeServer) {
        router.on(RPC.sessionMCPOAuthLogin, sessionsOf: server) { params, call in
            let engine = call.engine
            guard await engine.hasMCPHost else {
                throw RPCError.internalError(method: RPC.sessionMCPOAuthLogin.name, "MCP host is not available for this session.")
            }
            guard let config = await engine.mcpConfig(named: params.serverName) else {
                throw RPCError.internalError(method: RPC.sessionMCPOAuthLogin.name, "MCP server \(params.serverName) is not configured.")
            }
            guard case .stdio = config.connection else {
                throw RPCError.internalError(
                    method: RPC.sessionMCPOAuthLogin.name,
                    "MCP server \(params.serverName): sign-in starts when the server asks for it; the app answers `mcp.oauth_required` (onMcpAuthRequest).")
            }
            throw RPCError.internalError(method: RPC.sessionMCPOAuthLogin.name, "MCP server \(params.serverName) is not a remote server.")
        }
        router.on(RPC.sessionMCPList, sessionsOf: server) { _, call in
            let engine = call.engine
            let live = await engine.mcpServers.map { source in
                let (status, error) = source.status
                return MCPListResult.Server(name: source.serverName, status: status, error: error)
            }
            let disabled = await engine.disabledMCPServers.map { MCPListResult.Server(name: $0, status: "disabled") }
            return MCPListResult(servers: live + disabled)
        }
        router.on(RPC.sessionMCPListTools, sessionsOf: server) { params, call in
            let source = try await onMCPServer { try await call.host.mcpServer(params.serverName) }
            guard source.status.status == "connected" else {
                throw RPCError(code: -32000, message: "MCP server \(params.serverName) is not connected.")
            }
            return MCPToolsResult(tools: source.serverTools.map { .init(name: $0.name, description: $0.description) })
        }
        router.on(RPC.sessionMCPIsServerRunning, sessionsOf: server) { params, call in
            let engine = call.engine
            let source = await engine.mcpServers.first { $0.serverName == params.serverName }
            return MCPRunningResult(running: source?.status.status == "connected")
        }
        router.on(RPC.sessionMCPStopServer, sessionsOf: server) { params, call in
            try await onMCPServer { try await call.host.stopMCPServer(params.serverName) }
            return EmptyResult()
        }
        for method in [RPC.sessionMCPStartServer, RPC.sessionMCPRestartServer] {
            router.on(method, sessionsOf: server) { params, call in
                try await onMCPServer {
                    try await call.host.startMCPServer(params.serverName, restart: method.name == RPC.sessionMCPRestartServer.name)
                }
                return EmptyResult()
            }
        }
        for (method, enabled) in [(RPC.sessionMCPEnable, true), (RPC.sessionMCPDisable, false)] {
            router.on(method, sessionsOf: server) { params, call in
                do {
                    try await call.host.setMCPServer(params.serverName, enabled: enabled)
                } catch let error as CopilotError {
                    throw RPCError.internalError(method: method.name, error.message)
                }
                return EmptyResult()
            }
        }
        router.on(RPC.sessionMCPReload, sessionsOf: server) { _, call in
            do {
                try await call.host.reloadMCPServers()
            } catch let error as CopilotError {
                throw RPCError.internalError(method: call.method, error.message)
            }
            return EmptyResult()
        }
        router.on(RPC.sessionMCPSetEnvValueMode, sessionsOf: server) { params, call in
            let engine = call.engine
            guard let mode = MCPEnvValueMode(rawValue: params.mode) else {
                throw RPCError.invalidParams("\(RPC.sessionMCPSetEnvValueMode.name): mode must be `direct` or `indirect`, not `\(params.mode)`.")
            }
            await engine.setMCPEnvValueMode(mode)
            return MCPEnvValueModeResult(mode: mode.rawValue)
        }
        router.on(RPC.sessionMCPRemoveGitHub, sessionsOf: server) { _, _ in
            return MCPRemovedResult(removed: false)  // no GitHub MCP server is ever added here (it needs a GitHub login)
        }
        router.on(RPC.sessionMCPExecuteSampling, sessionsOf: server) { params, call in
            let engine = call.engine
            guard await engine.mcpConfig(named: params.serverName) != nil else {
                return MCPSamplingResult(action: "failure", error: "MCP server \(params.serverName) is not configured in this session.")
            }
            return MCPSamplingResult(
                action: "failure", error: "No sampling request \(params.requestId) from MCP server \(params.serverName) is pending.")
        }
        router.on(RPC.sessionMCPCancelSamplingExecution, sessionsOf: server) { _, _ in
            return CancelledResult(cancelled: false)  // nothing runs that is not pending
        }
        router.on(RPC.sessionMCPAppsSetHostContext, sessionsOf: server) { params, call in
            guard params.context.objectValue != nil else {
                throw RPCError.invalidParams("\(RPC.sessionMCPAppsSetHostContext.name): context must be an object.")
            }
            call.session.appsHostContext = params.context
            return EmptyResult()
        }
        router.on(RPC.sessionMCPAppsGetHostContext, sessionsOf: server) { _, call in
            let session = call.session
            return MCPAppsHostContextResult(context: session.appsHostContext ?? [:])
        }
        router.on(RPC.sessionMCPAppsDiagnose, sessionsOf: server) { params, call in
            let engine = call.engine
            let source = await engine.mcpServers.first { $0.serverName == params.serverName }
            let tools = source?.serverTools ?? []
            return MCPAppsDiagnoseResult(
                capability: .init(advertised: false, featureFlagEnabled: false, sessionHasMcpApps: false),
                server: .init(
                    connected: source?.status.status == "connected", toolCount: tools.count, toolsWithUiMeta: 0,
                    sampleToolNames: Array(tools.prefix(5).map(\.name))))
        }
        router.on(RPC.sessionMCPAppsCallTool, sessionsOf: server) { params, call in
            let session = call.session
            guard session.mcpApps else { throw Self.noMCPApps(RPC.sessionMCPAppsCallTool.name) }
            guard let toolName = params.toolName else { throw RPCError.invalidParams("\(RPC.sessionMCPAppsCallTool.name): `toolName` is required") }
            let source = try await onMCPServer { try await call.host.mcpServer(params.serverName) }
            do {
                return try await source.callDirectly(toolName, arguments: params.arguments)
            } catch {
                throw RPCError.internalError(method: RPC.sessionMCPAppsCallTool.name, "MCP server \(params.serverName): \(error)")
            }
        }
        for method in [RPC.sessionMCPAppsListTools, RPC.sessionMCPAppsReadResource] {
            router.on(method, sessionsOf: server) { _, _ in
                throw Self.noMCPApps(method.name)
            }
        }
        router.on(RPC.sessionMCPOAuthHandlePendingRequest, sessionsOf: server) { params, call in
            let session = call.session
            guard ["token", "cancelled"].contains(params.result.kind) else {
                throw RPCError.invalidParams(
                    "\(RPC.sessionMCPOAuthHandlePendingRequest.name): result.kind must be token or cancelled, not `\(params.result.kind)`.")
            }
            // `false` when another client answered first, or nothing asked.
            return SuccessResult(success: session.answer(params.requestId, with: try JSONValue(encoding: params.result)))
        }

        router.on(RPC.mcpConfigList) { [unowned server] _, _ in MCPConfigListResult(servers: server.mcpUserConfig.servers) }
        for (method, replacing) in [(RPC.mcpConfigAdd, false), (RPC.mcpConfigUpdate, true)] {
            router.on(method) { [unowned server] params, _ in
                try userConfig(method.name) { try server.mcpUserConfig.add(params.name, params.config, replacing: replacing) }
                return EmptyResult()
            }
        }
        router.on(RPC.mcpConfigRemove) { [unowned server] params, _ in
            try userConfig(RPC.mcpConfigRemove.name) { try server.mcpUserConfig.remove(params.name) }
            return EmptyResult()
        }
        for (method, enabled) in [(RPC.mcpConfigEnable, true), (RPC.mcpConfigDisable, false)] {
            router.on(method) { [unowned server] params, _ in
                try userConfig(method.name) { try server.mcpUserConfig.setEnabled(params.names, enabled) }
                return EmptyResult()
            }
        }
    }

    /// MCP Apps work only for a client that shows them.
    private static func noMCPApps(_ method: String) -> RPCError {
        RPCError.internalError(method: method, "MCP Apps are not available in this session: no client asked for them (requestMcpApps).")
    }

    /// Runs a change of the user's MCP servers, its refusal an invalid-params error with the reason.
    private static func userConfig(_ method: String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as MCPUserConfigError {
            throw RPCError.invalidParams("\(method): \(error.description)")
        } catch let error as CopilotError {
            throw RPCError.invalidParams("\(method): \(error.message)")
        }
    }

    /// Runs an operation on one of the session's MCP servers, its refusal as the official -32000 error.
    private static func onMCPServer<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CopilotError {
            throw RPCError(code: -32000, message: error.message)
        }
    }
}
