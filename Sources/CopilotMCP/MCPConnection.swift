package import CopilotCore
package import CopilotRuntime
import Foundation
package import Logging
import Synchronization

/// One live connection to an MCP server: our ``MCPClient`` over one of our transports.
///
/// Every call here also watches the transport (a server that exits fails its calls at once, with
/// its standard error) and its own timeout, after which the request is cancelled on the server
/// (`notifications/cancelled`), as it is when the caller is cancelled (an abort).
package actor MCPConnection {
    let client: MCPClient
    private let transport: any MCPTransport
    private let timeout: Duration

    private init(client: MCPClient, transport: any MCPTransport, timeout: Duration) {
        self.client = client
        self.transport = transport
        self.timeout = timeout
    }

    /// Connects over `transport` (starting a stdio server) and completes MCP's handshake within `timeout`.
    ///
    /// - Parameter toolsChanged: called when the server says its tool list changed.
    /// - Parameter elicit: asks the session's user to fill a form the server sends
    ///   (`elicitation/create`, its params); when nobody can, the server is told the user declined.
    package static func open(
        _ transport: any MCPTransport, timeout: Duration, logger: Logger,
        elicit: @escaping @Sendable (JSONValue) async throws -> ElicitationResult,
        toolsChanged: @escaping @Sendable () -> Void
    ) async throws -> MCPConnection {
        let handlers = MCPClient.Handlers(
            request: { method, params in
                guard method == "elicitation/create" else { throw MCPRemoteError.methodNotFound(method) }
                let answer: ElicitationResult
                do {
                    answer = try await elicit(params)
                } catch is ElicitationUnavailable {
                    answer = .decline
                }
                var result: [String: JSONValue] = ["action": .string(answer.action.rawValue)]
                if let content = answer.content { result["content"] = .object(content) }
                return .object(result)
            },
            notification: { method, _ in
                if method == "notifications/tools/list_changed" { toolsChanged() }
            })
        let client = MCPClient(transport: transport, handlers: handlers, logger: logger)
        let connection = MCPConnection(client: client, transport: transport, timeout: timeout)
        do {
            _ = try await connection.bounded("to start") {
                try await client.connect(
                    clientName: "copilot-swift", clientVersion: SessionEngine.version,
                    capabilities: ["elicitation": ["form": .object([:]), "url": .object([:])]])
            }
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    /// Every tool the server lists (following its pages): each `tools/list` entry as sent.
    package func listTools() async throws -> [JSONValue] {
        try await bounded("to list its tools") {
            var tools: [JSONValue] = []
            var cursor: String?
            repeat {
                let page = try await self.client.request("tools/list", params: cursor.map { ["cursor": .string($0)] })
                tools += page["tools"]?.arrayValue ?? []
                cursor = page["nextCursor"]?.stringValue
            } while cursor != nil && tools.count < 10_000
            return tools
        }
    }

    /// Calls the tool `name`: its `CallToolResult` as sent. A call given up (timed out, aborted)
    /// is cancelled on the server; one whose server goes away fails at once with why.
    package func call(_ name: String, arguments: JSONValue, meta: [String: JSONValue]? = nil) async throws -> JSONValue {
        var params: [String: JSONValue] = ["name": .string(name), "arguments": arguments]
        if let meta { params["_meta"] = .object(meta) }
        let client = client
        let timeout = timeout
        let id = try await client.start("tools/call", params: .object(params))
        return try await withTaskCancellationHandler {
            try await client.answer(
                to: id, within: timeout, reason: "Timed out after \(timeout)", orFail: MCPCallError.timedOut("to answer `\(name)`", timeout))
        } onCancel: {
            Task { await client.cancel(id, reason: "The session aborted the call.") }
        }
    }

    /// Ends the connection and the server, with whatever it started.
    package func close() async {
        await client.disconnect()
        await transport.disconnect()
    }

    /// Whether the server has gone (its output ended).
    nonisolated var hasEnded: Bool { transport.hasEnded }

    /// What the server last wrote to its standard error.
    nonisolated var errorTail: String { transport.errorTail }

    /// Runs `work` (starting, listing) until it ends, ``timeout`` passes or the caller is cancelled;
    /// then the client lets go, which fails every request it has pending. A server that goes away
    /// fails them already: the client watches its transport.
    private func bounded<T: Sendable>(_ doing: String, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = timeout
        let client = client
        // Why the work was given up, when it was: the abandoned work then fails with whatever the
        // client says (disconnected), and this is the error that counts.
        let givenUp = GivenUp()
        return try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await work() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    givenUp.note(.timedOut(doing, timeout))
                    await client.disconnect()
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
            Task { await client.disconnect() }
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
