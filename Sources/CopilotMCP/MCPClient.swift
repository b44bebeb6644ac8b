package import CopilotCore
package import Foundation
package import Logging

/// MCP's client side of JSON-RPC over one of our transports, read with our own JSON parser.
///
/// It is ours, not the `Client` of the MCP library (modelcontextprotocol/swift-sdk 0.12.1), after a
/// measurement: with a server that answers at once, that client spent about 210 µs per tool call
/// decoding (every answer decoded three times over, and every string in it matched against a
/// data-URL regular expression built anew each time), which made a stdio round trip slower than
/// the Python `mcp` client's. This one parses each message once into ``JSONValue`` and hands
/// results on as they are (BENCHMARKS.md has both figures).
///
/// Requests get integer ids; an answer resumes the request with that id. What the server asks
/// (`elicitation/create`; `ping` is answered here) goes to ``Handlers/request``, what it tells
/// (`notifications/tools/list_changed`) to ``Handlers/notification``. When the transport's stream
/// ends, every waiting request fails with the reason.
package actor MCPClient {
    /// What the client does with what the server sends unasked.
    package struct Handlers: Sendable {
        /// Answers a request of the server (`elicitation/create`); throws
        /// ``MCPRemoteError/methodNotFound(_:)`` for a method it does not serve.
        package var request: @Sendable (_ method: String, _ params: JSONValue) async throws -> JSONValue
        /// Takes a notification of the server.
        package var notification: @Sendable (_ method: String, _ params: JSONValue) -> Void

        package init(
            request: @escaping @Sendable (_ method: String, _ params: JSONValue) async throws -> JSONValue,
            notification: @escaping @Sendable (_ method: String, _ params: JSONValue) -> Void
        ) {
            self.request = request
            self.notification = notification
        }
    }

    /// The revision we ask for, and the ones we accept when the server offers an older one.
    static let protocolVersion = "2025-11-25"
    static let supportedVersions: Set<String> = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]

    private enum Pending {
        case waiting(CheckedContinuation<JSONValue, any Error>)
        case answered(Result<JSONValue, any Error>)
        case unclaimed
    }

    private let transport: any MCPTransport
    private let handlers: Handlers
    private let logger: Logger
    private var nextID = 1
    private var pending: [Int: Pending] = [:]
    private var reader: Task<Void, Never>?
    /// Ends the client when the transport ends (an HTTP session can end without its stream closing).
    private var watcher: Task<Void, Never>?
    /// Why the connection ended, once it has: every later request fails with it.
    private var ended: (any Error)?
    /// The server's requests being answered now; past ``servingLimit`` more are refused, so a
    /// server cannot make the client hold an unbounded number of them (each elicitation waits for a person).
    private var serving = 0
    package static let servingLimit = 16

    package init(transport: any MCPTransport, handlers: Handlers, logger: Logger) {
        self.transport = transport
        self.handlers = handlers
        self.logger = logger
    }

    /// Connects the transport and completes MCP's handshake: `initialize`, then
    /// `notifications/initialized`. Returns the server's `initialize` result.
    package func connect(clientName: String, clientVersion: String, capabilities: JSONValue) async throws -> JSONValue {
        try await transport.connect()
        let stream = transport.receive()
        reader = Task { await self.read(stream) }
        let transport = transport
        watcher = Task {
            await transport.waitUntilEnded()
            guard !Task.isCancelled else { return }
            self.end(MCPCallError.serverEnded(transport.endReason))
        }
        let result = try await request(
            "initialize",
            params: [
                "protocolVersion": .string(Self.protocolVersion), "capabilities": capabilities,
                "clientInfo": ["name": .string(clientName), "version": .string(clientVersion)],
            ])
        guard let version = result["protocolVersion"]?.stringValue, Self.supportedVersions.contains(version) else {
            throw MCPRemoteError.protocolMismatch(result["protocolVersion"]?.stringValue ?? "none")
        }
        try await notify("notifications/initialized")
        return result
    }

    /// Sends a request and waits for its answer.
    package func request(_ method: String, params: JSONValue? = nil) async throws -> JSONValue {
        let id = try await start(method, params: params)
        return try await answer(to: id)
    }

    /// Sends a request; its answer is collected with ``answer(to:)`` (the id is what
    /// ``cancel(_:reason:)`` names).
    package func start(_ method: String, params: JSONValue? = nil) async throws -> Int {
        if let ended { throw ended }
        let id = nextID
        nextID += 1
        pending[id] = .unclaimed
        var message: [String: JSONValue] = ["jsonrpc": "2.0", "id": .int(id), "method": .string(method)]
        if let params { message["params"] = params }
        do {
            try await send(.object(message))
        } catch {
            pending[id] = nil
            throw error
        }
        return id
    }

    /// Waits for the answer to the request `id`: its result, or its error as ``MCPRemoteError``.
    package func answer(to id: Int) async throws -> JSONValue {
        switch pending[id] {
        case .answered(let result)?:
            pending[id] = nil
            return try result.get()
        case .unclaimed?:
            return try await withCheckedThrowingContinuation { continuation in
                pending[id] = .waiting(continuation)
            }
        case nil:
            // Ended between sending and waiting: the reason, not an unknown id.
            throw ended ?? MCPRemoteError.unknownRequest(id)
        case .waiting?:
            throw MCPRemoteError.unknownRequest(id)
        }
    }

    /// Waits for the answer to the request `id` at most `timeout`: past it, the request is given up
    /// (the server is told, with `reason`) and fails with `expired`. The timer is dispatch's, not a
    /// task of its own, so a call that is answered in time costs no more than one without it.
    package func answer(to id: Int, within timeout: Duration, reason: String, orFail expired: any Error) async throws -> JSONValue {
        let timer = DispatchWorkItem { [weak self] in
            Task { await self?.giveUp(id, reason: reason, failing: expired) }
        }
        let (seconds, attoseconds) = timeout.components
        // Beyond thirty years is never.
        let deadline: DispatchTime =
            seconds > 1_000_000_000
            ? .distantFuture : .now() + .nanoseconds(max(0, Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)))
        DispatchQueue.global().asyncAfter(deadline: deadline, execute: timer)
        defer { timer.cancel() }
        return try await answer(to: id)
    }

    /// Gives up the request `id`: it fails with `CancellationError` here, and the server is told
    /// (`notifications/cancelled`), as MCP asks.
    package func cancel(_ id: Int, reason: String) async {
        await giveUp(id, reason: reason, failing: CancellationError())
    }

    private func giveUp(_ id: Int, reason: String, failing error: any Error) async {
        switch pending[id] {
        case .waiting(let continuation)?:
            pending[id] = nil
            continuation.resume(throwing: error)
        case .unclaimed?:
            // Not awaited yet: the answer, when it is, is this failure.
            pending[id] = .answered(.failure(error))
        case .answered?, nil:
            return
        }
        try? await notify("notifications/cancelled", params: ["requestId": .int(id), "reason": .string(reason)])
    }

    /// Sends a notification.
    package func notify(_ method: String, params: JSONValue? = nil) async throws {
        var message: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { message["params"] = params }
        try await send(.object(message))
    }

    /// Writes one message as JSON text.
    private func send(_ message: JSONValue) async throws {
        try await transport.send(Data(message.jsonString.utf8))
    }

    /// Stops reading and fails every waiting request (the transport is left to its owner).
    package func disconnect() {
        reader?.cancel()
        watcher?.cancel()
        end(MCPRemoteError.disconnected)
    }

    // MARK: Reading

    private func read(_ stream: AsyncThrowingStream<Data, any Error>) async {
        do {
            for try await data in stream {
                guard let message = try? JSONValue(parsing: data) else {
                    logger.debug("MCP server sent something that is not JSON", metadata: ["bytes": "\(data.count)"])
                    continue
                }
                if case .array(let batch) = message {
                    for member in batch { take(member) }
                } else {
                    take(message)
                }
            }
            end(MCPRemoteError.disconnected)
        } catch {
            end(error)
        }
    }

    private func take(_ message: JSONValue) {
        if let method = message["method"]?.stringValue {
            let params = message["params"] ?? .object([:])
            if let id = message["id"], id != .null {
                serve(method, params: params, id: id)
            } else {
                handlers.notification(method, params)
            }
            return
        }
        guard let id = Self.requestID(message["id"]), let entry = pending[id] else { return }
        let result: Result<JSONValue, any Error> =
            if let error = message["error"] {
                .failure(MCPRemoteError.answered(code: error["code"]?.intValue ?? 0, message: error["message"]?.stringValue ?? "", data: error["data"]))
            } else {
                .success(message["result"] ?? .null)
            }
        switch entry {
        case .waiting(let continuation):
            pending[id] = nil
            continuation.resume(with: result)
        case .unclaimed:
            pending[id] = .answered(result)
        case .answered:
            break
        }
    }

    /// Our ids are integers; a server may echo one as a string.
    private static func requestID(_ value: JSONValue?) -> Int? {
        switch value {
        case .int(let id): id
        case .string(let text): Int(text)
        case .double(let number) where number == number.rounded(): Int(exactly: number)
        default: nil
        }
    }

    /// Answers a request of the server, off the reading loop (an elicitation waits for a person).
    private func serve(_ method: String, params: JSONValue, id: JSONValue) {
        guard serving < Self.servingLimit else {
            let refusal: JSONValue = [
                "jsonrpc": "2.0", "id": id,
                "error": ["code": -32603, "message": .string("Too many requests at once: \(Self.servingLimit) are being answered.")],
            ]
            Task { try? await self.send(refusal) }
            return
        }
        serving += 1
        let handlers = handlers
        Task {
            var answer: [String: JSONValue] = ["jsonrpc": "2.0", "id": id]
            do {
                answer["result"] = method == "ping" ? .object([:]) : try await handlers.request(method, params)
            } catch MCPRemoteError.methodNotFound(let name) {
                answer["error"] = ["code": -32601, "message": .string("Method not found: \(name)")]
            } catch {
                answer["error"] = ["code": -32603, "message": .string("\(error)")]
            }
            self.served()
            try? await self.send(.object(answer))
        }
    }

    private func served() { serving -= 1 }

    private func end(_ reason: any Error) {
        guard ended == nil else { return }
        ended = reason
        let waiting = pending
        pending.removeAll()
        for case .waiting(let continuation) in waiting.values { continuation.resume(throwing: reason) }
    }
}

/// What went wrong between our client and an MCP server, as JSON-RPC tells it.
package enum MCPRemoteError: Error, CustomStringConvertible {
    /// The server answered a request with an error.
    case answered(code: Int, message: String, data: JSONValue?)
    /// The server speaks no protocol revision we do.
    case protocolMismatch(String)
    /// The connection was closed while requests were waiting.
    case disconnected
    /// No request with this id is waiting for an answer.
    case unknownRequest(Int)
    /// The server asked for something this client does not serve.
    case methodNotFound(String)

    package var description: String {
        switch self {
        case .answered(let code, let message, _): "the server answered with error \(code): \(message)"
        case .protocolMismatch(let version): "the server speaks MCP revision \(version), which this client does not"
        case .disconnected: "the connection to the server was closed"
        case .unknownRequest(let id): "no request \(id) is waiting for an answer"
        case .methodNotFound(let method): "this client does not serve `\(method)`"
        }
    }
}
