import CopilotCore
import CopilotMCP
import Foundation
import Logging
import Synchronization
import Testing

/// A transport whose server is the test: it records what the client sends and delivers what the
/// test makes the server say.
private actor ScriptedServerTransport: MCPTransport {
    nonisolated let logger = Logger(label: "test")
    private nonisolated let inbox = AsyncThrowingStream<Data, any Error>.makeStream()
    private nonisolated let outbox = AsyncStream<JSONValue>.makeStream()
    private(set) var sent: [JSONValue] = []
    /// Why the server's side ended, once it has.
    private nonisolated let ended = Mutex<String?>(nil)

    nonisolated var hasEnded: Bool { ended.withLock { $0 != nil } }
    nonisolated var endReason: String { ended.withLock { $0 } ?? "running" }
    nonisolated func waitUntilEnded() async {
        while !hasEnded, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
    }
    nonisolated var errorTail: String { "" }

    func connect() async throws {}
    func disconnect() async { end(nil) }
    func send(_ data: Data) async throws {
        let message = try JSONValue(parsing: data)
        sent.append(message)
        outbox.continuation.yield(message)
    }
    nonisolated func receive() -> AsyncThrowingStream<Data, any Error> { inbox.stream }

    /// The next message the client sends.
    nonisolated func nextSent() async -> JSONValue? {
        var iterator = outbox.stream.makeAsyncIterator()
        return await iterator.next()
    }

    /// The server says `message` (a JSON text).
    nonisolated func say(_ message: String) { inbox.continuation.yield(Data(message.utf8)) }

    /// The server's side ends, with `error` or cleanly.
    nonisolated func end(_ error: (any Error)?) {
        ended.withLock { $0 = error.map { "\($0)" } ?? "closed" }
        inbox.continuation.finish(throwing: error)
    }
}

private struct ServerGone: Error, CustomStringConvertible {
    var description: String { "the server went away" }
}

@Suite("MCP client: JSON-RPC with a server, message by message", .timeLimit(.minutes(1)))
struct MCPClientTests {
    private func client(
        _ transport: ScriptedServerTransport, request: @escaping @Sendable (String, JSONValue) async throws -> JSONValue = { method, _ in
            throw MCPRemoteError.methodNotFound(method)
        }, notification: @escaping @Sendable (String, JSONValue) -> Void = { _, _ in }
    ) async throws -> MCPClient {
        let client = MCPClient(transport: transport, handlers: .init(request: request, notification: notification), logger: Logger(label: "test"))
        async let connected = client.connect(clientName: "test", clientVersion: "1", capabilities: ["elicitation": [:]])
        let initialize = await transport.nextSent()
        #expect(initialize?["method"] == "initialize" && initialize?["params"]?["protocolVersion"] == "2025-11-25")
        #expect(initialize?["params"]?["clientInfo"] == ["name": "test", "version": "1"])
        transport.say(#"{"jsonrpc":"2.0","id":\#(initialize?["id"]?.jsonString ?? "0"),"result":{"protocolVersion":"2025-06-18","capabilities":{}}}"#)
        let initialized = await transport.nextSent()
        #expect(initialized?["method"] == "notifications/initialized" && initialized?["id"] == nil)
        _ = try await connected
        return client
    }

    @Test("answers in any order resume their own requests; one that comes before it is awaited is kept; an id echoed as a string counts")
    func answersByID() async throws {
        let transport = ScriptedServerTransport()
        let client = try await client(transport)
        let first = try await client.start("tools/call", params: ["name": "a"])
        let second = try await client.start("tools/call", params: ["name": "b"])
        #expect(first != second)
        transport.say(#"{"jsonrpc":"2.0","id":"\#(second)","result":{"for":"b"}}"#)
        transport.say(#"{"jsonrpc":"2.0","id":\#(first),"result":{"for":"a"}}"#)
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await client.answer(to: first) == ["for": "a"])
        #expect(try await client.answer(to: second) == ["for": "b"])
        await #expect(throws: MCPRemoteError.self) { try await client.answer(to: first) }
    }

    @Test("an error answer fails its request with the server's code and message")
    func errorAnswer() async throws {
        let transport = ScriptedServerTransport()
        let client = try await client(transport)
        async let answer = client.request("tools/call", params: ["name": "missing"])
        let sent = await transport.nextSent()
        transport.say(#"{"jsonrpc":"2.0","id":\#(sent?["id"]?.jsonString ?? "0"),"error":{"code":-32602,"message":"Unknown tool: missing"}}"#)
        do {
            _ = try await answer
            Issue.record("the error answer was taken for a result")
        } catch let MCPRemoteError.answered(code, message, _) {
            #expect(code == -32602 && message == "Unknown tool: missing")
        }
    }

    @Test("the server's requests: ping is answered, elicitation goes to the handler, anything else is -32601; a batch is taken member by member")
    func serverRequests() async throws {
        let transport = ScriptedServerTransport()
        let asked = Mutex<[String]>([])
        let changed = Mutex(0)
        let client = try await client(
            transport,
            request: { method, params in
                guard method == "elicitation/create" else { throw MCPRemoteError.methodNotFound(method) }
                asked.withLock { $0.append(params["message"]?.stringValue ?? "") }
                return ["action": "accept", "content": ["color": "red"]]
            },
            notification: { method, _ in if method == "notifications/tools/list_changed" { changed.withLock { $0 += 1 } } })
        transport.say(#"{"jsonrpc":"2.0","id":"p1","method":"ping"}"#)
        #expect(await transport.nextSent() == ["jsonrpc": "2.0", "id": "p1", "result": [:]])
        transport.say(#"{"jsonrpc":"2.0","id":7,"method":"elicitation/create","params":{"message":"Pick a color","requestedSchema":{}}}"#)
        #expect(await transport.nextSent() == ["jsonrpc": "2.0", "id": 7, "result": ["action": "accept", "content": ["color": "red"]]])
        #expect(asked.withLock { $0 } == ["Pick a color"])
        transport.say(#"[{"jsonrpc":"2.0","method":"notifications/tools/list_changed"},{"jsonrpc":"2.0","id":8,"method":"roots/list"}]"#)
        let refused = await transport.nextSent()
        #expect(refused?["id"] == 8 && refused?["error"]?["code"] == -32601)
        #expect(changed.withLock { $0 } == 1)
        _ = client
    }

    @Test("cancel fails the waiting request and tells the server which one and why")
    func cancel() async throws {
        let transport = ScriptedServerTransport()
        let client = try await client(transport)
        let id = try await client.start("tools/call", params: ["name": "slow"])
        _ = await transport.nextSent()
        let waiting = Task { try await client.answer(to: id) }
        try await Task.sleep(for: .milliseconds(20))
        await client.cancel(id, reason: "Timed out")
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(await transport.nextSent() == [
            "jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": .int(id), "reason": "Timed out"],
        ])
    }

    @Test("an answer that does not come in time fails with the given error and the server is told; a far timeout never fires")
    func timeout() async throws {
        let transport = ScriptedServerTransport()
        let client = try await client(transport)
        let slow = try await client.start("tools/call", params: ["name": "slow"])
        _ = await transport.nextSent()
        await #expect(throws: ServerGone.self) {
            try await client.answer(to: slow, within: .milliseconds(50), reason: "Timed out after 0.05 seconds", orFail: ServerGone())
        }
        #expect(await transport.nextSent() == [
            "jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": .int(slow), "reason": "Timed out after 0.05 seconds"],
        ])
        let patient = try await client.start("tools/call", params: ["name": "patient"])
        _ = await transport.nextSent()
        let waiting = Task { try await client.answer(to: patient, within: .seconds(Int64.max), reason: "never", orFail: ServerGone()) }
        try await Task.sleep(for: .milliseconds(100))
        transport.say(#"{"jsonrpc":"2.0","id":\#(patient),"result":{"ok":true}}"#)
        #expect(try await waiting.value == ["ok": true])
    }

    @Test("the server's requests waiting for an answer are bounded: past the limit one is refused at once")
    func servingBound() async throws {
        let transport = ScriptedServerTransport()
        let release = AsyncStream<Void>.makeStream()
        let client = try await client(transport, request: { _, _ in
            for await _ in release.stream { break }
            return ["action": "cancel"]
        })
        for id in 0...MCPClient.servingLimit {
            transport.say(#"{"jsonrpc":"2.0","id":\#(id),"method":"elicitation/create","params":{"message":"?"}}"#)
        }
        let refused = await transport.nextSent()
        #expect(refused?["id"] == .int(MCPClient.servingLimit) && refused?["error"]?["code"] == -32603, "\(String(describing: refused))")
        release.continuation.finish()
        _ = client
    }

    @Test("when the server's side ends, every waiting request fails with the reason, and so does every later one")
    func streamEnds() async throws {
        let transport = ScriptedServerTransport()
        let client = try await client(transport)
        let answer = Task { try await client.request("tools/call", params: ["name": "a"]) }
        _ = await transport.nextSent()
        transport.end(ServerGone())
        // The stream's end or the transport's, whichever the client sees first: both name the reason.
        let waiting = await #expect(throws: (any Error).self) { try await answer.value }
        #expect(waiting.map { "\($0)" } == "the server went away")
        let later = await #expect(throws: (any Error).self) { try await client.request("tools/list") }
        #expect(later.map { "\($0)" } == "the server went away")
    }

    @Test("a server that speaks no revision we do is refused at the handshake")
    func protocolMismatch() async throws {
        let transport = ScriptedServerTransport()
        let client = MCPClient(transport: transport, handlers: .init(request: { _, _ in [:] }, notification: { _, _ in }), logger: Logger(label: "test"))
        async let connected = client.connect(clientName: "test", clientVersion: "1", capabilities: [:])
        let initialize = await transport.nextSent()
        transport.say(#"{"jsonrpc":"2.0","id":\#(initialize?["id"]?.jsonString ?? "0"),"result":{"protocolVersion":"1999-01-01","capabilities":{}}}"#)
        do {
            _ = try await connected
            Issue.record("an unknown revision was accepted")
        } catch let MCPRemoteError.protocolMismatch(version) {
            #expect(version == "1999-01-01")
        }
    }
}
