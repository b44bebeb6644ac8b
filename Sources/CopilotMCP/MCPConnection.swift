import CopilotCore
import CopilotRuntime
import Foundation
import Logging
import MCP
import Synchronization

/// One live connection to an MCP server: the MCP library's `Client` over one of our transports.
///
/// The library leaves a request waiting for ever when the server goes away mid-call, so every call
/// here also watches the transport (a server that exits fails its calls at once, with its standard
/// error) and its own timeout, after which the request is cancelled on the server
/// (`notifications/cancelled`), as it is when the caller is cancelled (an abort).
actor MCPConnection {
    let client: Client
    private let transport: any MCPTransport
    private let timeout: Duration

    private init(client: Client, transport: any MCPTransport, timeout: Duration) {
        self.client = client
        self.transport = transport
        self.timeout = timeout
    }

    /// Connects over `transport` (starting a stdio server) and completes MCP's handshake within `timeout`.
    ///
    /// - Parameter toolsChanged: called when the server says its tool list changed.
    /// - Parameter elicit: asks the session's user to fill a form the server sends
    ///   (`elicitation/create`); when nobody can, the server is told the user declined.
    static func open(
        _ transport: any MCPTransport, timeout: Duration,
        elicit: @escaping @Sendable (CreateElicitation.Parameters) async throws -> ElicitationResult,
        toolsChanged: @escaping @Sendable () -> Void
    ) async throws -> MCPConnection {
        let client = Client(
            name: "copilot-swift", version: SessionEngine.version,
            capabilities: Client.Capabilities(elicitation: .init(form: .init(), url: .init())))
        await client.onNotification(ToolListChangedNotification.self) { _ in toolsChanged() }
        await client.withElicitationHandler { parameters in
            let answer: ElicitationResult
            do {
                answer = try await elicit(parameters)
            } catch is ElicitationUnavailable {
                answer = .decline
            }
            return CreateElicitation.Result(
                action: CreateElicitation.Result.Action(rawValue: answer.action.rawValue) ?? .cancel,
                content: answer.content?.mapValues(\.mcpValue))
        }
        let connection = MCPConnection(client: client, transport: transport, timeout: timeout)
        do {
            _ = try await connection.bounded("to start") { _ = try await client.connect(transport: transport) }
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    /// Every tool the server lists (following its pages).
    func listTools() async throws -> [MCP.Tool] {
        try await bounded("to list its tools") {
            var tools: [MCP.Tool] = []
            var cursor: String?
            repeat {
                let page = try await self.client.listTools(cursor: cursor)
                tools += page.tools
                cursor = page.nextCursor
            } while cursor != nil && tools.count < 10_000
            return tools
        }
    }

    /// Calls the tool `name`; a call given up (timed out, aborted) is cancelled on the server.
    func call(_ name: String, arguments: [String: Value], meta: [String: Value]? = nil) async throws -> CallTool.Result {
        let request: RequestContext<CallTool.Result> = try await client.callTool(
            name: name, arguments: arguments, meta: meta.map { Metadata(additionalFields: $0) })
        let client = client
        return try await bounded("to answer `\(name)`", giveUp: { reason in try? await client.cancelRequest(request.requestID, reason: reason) }) {
            try await request.value
        }
    }

    /// Ends the connection and the server, with whatever it started.
    func close() async {
        await client.disconnect()
        await transport.disconnect()
    }

    /// Whether the server has gone (its output ended).
    nonisolated var hasEnded: Bool { transport.hasEnded }

    /// What the server last wrote to its standard error.
    nonisolated var errorTail: String { transport.errorTail }

    /// Runs `work` until it ends, the server goes away, ``timeout`` passes or the caller is
    /// cancelled. `giveUp` is told why before `work` is abandoned, and must make it end (by default
    /// the connection is closed, which fails every request it has pending).
    private func bounded<T: Sendable>(
        _ doing: String, giveUp: (@Sendable (String) async -> Void)? = nil, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let timeout = timeout
        let transport = transport
        let client = client
        let giveUp = giveUp ?? { _ in await client.disconnect() }
        // Why the call was given up, when it was: the abandoned work then fails with whatever the
        // library says ("Client disconnected", a cancellation), and this is the error that counts.
        let givenUp = GivenUp()
        return try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await work() }
                group.addTask {
                    await transport.waitUntilEnded()
                    try Task.checkCancellation()
                    givenUp.note(.serverEnded(transport.endReason))
                    // The library would wait for ever: its pending requests fail once it lets go.
                    await client.disconnect()
                    return nil
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    givenUp.note(.timedOut(doing, timeout))
                    await giveUp("Timed out after \(timeout)")
                    return nil
                }
                defer { group.cancelAll() }
                do {
                    while let next = try await group.next() {
                        if let result = next { return result }
                    }
                } catch {
                    if let reason = givenUp.reason { throw reason }
                    throw error
                }
                throw givenUp.reason ?? CancellationError()
            }
        } onCancel: {
            Task { await giveUp("The session aborted the call.") }
        }
    }
}

/// The first reason a call was given up for.
private final class GivenUp: Sendable {
    private let first = Mutex<MCPCallError?>(nil)
    func note(_ reason: MCPCallError) { first.withLock { $0 = $0 ?? reason } }
    var reason: MCPCallError? { first.withLock { $0 } }
}

/// Why an MCP call did not complete.
enum MCPCallError: Error, CustomStringConvertible {
    case serverEnded(String)
    case timedOut(String, Duration)

    var description: String {
        switch self {
        case .serverEnded(let reason): reason
        case .timedOut(let doing, let timeout): "the server took longer than \(timeout) \(doing)"
        }
    }
}
