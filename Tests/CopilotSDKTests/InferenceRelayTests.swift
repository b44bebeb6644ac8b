import CopilotCore
import CopilotProtocol
import CopilotProviders
import CopilotServer
import Foundation
import Synchronization
import Testing

/// A client of a ``RuntimeServer`` over an in-memory connection; the runtime's requests to it are
/// answered by `router`.
private final class MemoryClient: Sendable {
    let connection: RPCConnection
    private let toServer: AsyncStream<[UInt8]>.Continuation
    private let tasks: [Task<Void, Never>]

    init(_ server: RuntimeServer, router: RPCRouter = RPCRouter()) {
        let (serverInput, toServer) = AsyncStream.makeStream(of: [UInt8].self)
        let (clientInput, toClient) = AsyncStream.makeStream(of: [UInt8].self)
        let serverSide = RPCConnection { toServer.finish() }
        let clientSide = RPCConnection { toServer.finish() }
        connection = clientSide
        self.toServer = toServer
        tasks = [
            Task {
                await server.serve(serverSide, input: serverInput) { toClient.yield($0) }
                toClient.finish()
            },
            Task {
                await clientSide.run(input: clientInput, write: { toServer.yield($0) }) { connection, method, params in
                    try await router.dispatch(method, params, on: connection)
                }
            },
        ]
    }

    /// Ends the connection as a client that goes away does, and waits until both sides are done.
    func disconnect() async {
        toServer.finish()
        for task in tasks { await task.value }
    }
}

/// An HTTP transport that answers every request with `answer` and remembers the URLs it was asked for.
private final class RecordingTransport: HTTPTransport {
    let urls = Mutex<[String]>([])
    let answer: String
    init(answer: String) { self.answer = answer }
    func execute(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        urls.withLock { $0.append(request.url) }
        return HTTPTransportResponse(status: 200, headers: ["content-type": "application/json"], body: HTTPResponseBody(chunks: [Array(answer.utf8)]))
    }
}

/// A Chat Completions answer (not streamed) saying `text`.
private func completion(_ text: String) -> String {
    #"{"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"\#(text)"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2}}"#
}

@Suite("llmInference: a client carries the runtime's model requests")
struct InferenceRelayTests {
    static let createParams = #"{"sessionId":"relayed","model":"m","provider":{"type":"openai","baseUrl":"https://model.invalid/v1"}}"#

    @Test("after llmInference.setProvider, a session's model call goes to that client (head, body, sessionId), its answer comes back in text and base64 chunks, and nothing goes out directly")
    func carriesModelCalls() async throws {
        let direct = RecordingTransport(answer: completion("direct"))
        let server = RuntimeServer(connectionToken: nil, providerContext: ProviderContext(transport: direct, retryPolicy: .none))
        let starts = Mutex<[InferenceRequestStartParams]>([])
        let bodies = Mutex<[String: String]>([:])
        // A long answer, so the body goes back in many chunks and the relay's buffer fills.
        let longText = String(repeating: "relayed ", count: 400_000)
        var router = RPCRouter()
        router.on(RPC.llmInferenceHTTPRequestStart) { params, _ in
            starts.withLock { $0.append(params) }
            return EmptyResult()
        }
        router.on(RPC.llmInferenceHTTPRequestChunk) { params, connection in
            bodies.withLock { $0[params.requestId, default: ""] += params.data }
            guard params.end == true else { return EmptyResult() }
            let id = params.requestId
            Task {
                let started = try await connection.call(
                    RPC.llmInferenceHTTPResponseStart,
                    InferenceResponseStartParams(requestId: id, status: 200, statusText: "OK", headers: ["content-type": ["application/json"]]))
                #expect(started.accepted)
                let body = Array(completion(longText).utf8)
                var offset = 0
                var binary = false
                while offset < body.count {
                    let piece = Array(body[offset..<min(offset + 64 * 1024, body.count)])
                    let data = binary ? Data(piece).base64EncodedString() : String(decoding: piece, as: UTF8.self)
                    let sent = try await connection.call(
                        RPC.llmInferenceHTTPResponseChunk, InferenceResponseChunkParams(requestId: id, data: data, binary: binary ? true : nil))
                    #expect(sent.accepted)
                    offset += piece.count
                    binary.toggle()
                }
                _ = try await connection.call(RPC.llmInferenceHTTPResponseChunk, InferenceResponseChunkParams(requestId: id, data: "", end: true))
            }
            return EmptyResult()
        }
        let client = MemoryClient(server, router: router)
        #expect(try await client.connection.call(RPC.llmInferenceSetProvider, EmptyParams()).success)
        _ = try await client.connection.request(RPC.sessionCreate.name, try JSONValue(parsing: Self.createParams))
        let answer = try await client.connection.call(RPC.sessionSendAndWait, SessionSendParams(sessionId: "relayed", prompt: "hello"))
        guard case .assistantMessage(let message)? = answer.response?.payload else {
            Issue.record("no answer: \(answer)")
            return
        }
        #expect(message.content == longText)
        let start = try #require(starts.withLock { $0.first })
        #expect(start.method == "POST" && start.url == "https://model.invalid/v1/chat/completions")
        #expect(start.sessionId == "relayed" && start.transport == "http")
        #expect(start.headers["content-type"] == ["application/json"])
        let body = try JSONValue(parsing: try #require(bodies.withLock { $0[start.requestId] }))
        #expect(body["model"] == "m")
        #expect(direct.urls.withLock { $0 }.isEmpty)

        // Frames for a request the runtime does not have are refused, not applied.
        let stray = try await client.connection.call(RPC.llmInferenceHTTPResponseStart, InferenceResponseStartParams(requestId: "nope", status: 200))
        #expect(!stray.accepted)
        await client.disconnect()
        await server.shutdown()
    }

    @Test("when the carrying client disconnects mid-answer the turn fails with a clear error, and the next model call goes out directly")
    func carrierDisconnects() async throws {
        let direct = RecordingTransport(answer: completion("direct answer"))
        let server = RuntimeServer(connectionToken: nil, providerContext: ProviderContext(transport: direct, retryPolicy: .none))
        let (started, startedFeed) = AsyncStream.makeStream(of: Void.self)
        var router = RPCRouter()
        router.on(RPC.llmInferenceHTTPRequestStart) { _, _ in EmptyResult() }
        router.on(RPC.llmInferenceHTTPRequestChunk) { params, connection in
            guard params.end == true else { return EmptyResult() }
            let id = params.requestId
            Task {
                _ = try await connection.call(RPC.llmInferenceHTTPResponseStart, InferenceResponseStartParams(requestId: id, status: 200))
                _ = try await connection.call(RPC.llmInferenceHTTPResponseChunk, InferenceResponseChunkParams(requestId: id, data: #"{"choices":"#))
                startedFeed.yield()
            }
            return EmptyResult()
        }
        let carrier = MemoryClient(server, router: router)
        let owner = MemoryClient(server)
        #expect(try await carrier.connection.call(RPC.llmInferenceSetProvider, EmptyParams()).success)
        _ = try await owner.connection.request(RPC.sessionCreate.name, try JSONValue(parsing: Self.createParams))
        // The carrier joins the session (the official multi-client mode), so it carries its calls.
        _ = try await carrier.connection.request(RPC.sessionResume.name, ["sessionId": "relayed"])
        let failed = Task { try await owner.connection.call(RPC.sessionSendAndWait, SessionSendParams(sessionId: "relayed", prompt: "first")) }
        var iterator = started.makeAsyncIterator()
        _ = await iterator.next()
        await carrier.disconnect()
        await #expect { _ = try await failed.value } throws: { error in
            "\(error)".contains("The client carrying model requests disconnected before the response was complete")
        }
        #expect(direct.urls.withLock { $0 }.isEmpty)

        let answer = try await owner.connection.call(RPC.sessionSendAndWait, SessionSendParams(sessionId: "relayed", prompt: "second"))
        guard case .assistantMessage(let message)? = answer.response?.payload else {
            Issue.record("no answer: \(answer)")
            return
        }
        #expect(message.content == "direct answer")
        #expect(direct.urls.withLock { $0 } == ["https://model.invalid/v1/chat/completions"])
        await owner.disconnect()
        await server.shutdown()
    }

    @Test("sessions belong to their clients: another client cannot carry, read, answer, send into, list or delete them until it joins, and never gets the key back")
    func sessionsBelongToTheirClients() async throws {
        let direct = RecordingTransport(answer: completion("direct"))
        let server = RuntimeServer(connectionToken: nil, providerContext: ProviderContext(transport: direct, retryPolicy: .none))
        let carried = Mutex(0)
        var router = RPCRouter()
        router.on(RPC.llmInferenceHTTPRequestStart) { _, _ in
            carried.withLock { $0 += 1 }
            return EmptyResult()
        }
        let owner = MemoryClient(server)
        let intruder = MemoryClient(server, router: router)
        let create = #"{"sessionId":"mine","model":"m","provider":{"type":"openai","baseUrl":"https://model.invalid/v1","apiKey":"sk-owner-only","headers":{"X-Team":"team-secret"}}}"#
        _ = try await owner.connection.request(RPC.sessionCreate.name, try JSONValue(parsing: create))

        // The intruder registers as a carrier: the owner's calls still go out directly.
        #expect(try await intruder.connection.call(RPC.llmInferenceSetProvider, EmptyParams()).success)
        let answer = try await owner.connection.call(RPC.sessionSendAndWait, SessionSendParams(sessionId: "mine", prompt: "hello"))
        guard case .assistantMessage(let message)? = answer.response?.payload else {
            Issue.record("no answer: \(answer)")
            return
        }
        #expect(message.content == "direct" && carried.withLock { $0 } == 0)

        // To the intruder the session does not exist.
        for (method, params) in [
            (RPC.sessionProviderGetEndpoint.name, #"{"sessionId":"mine"}"#),
            (RPC.sessionSend.name, #"{"sessionId":"mine","prompt":"mine now"}"#),
            (RPC.sessionPermissionsHandlePendingPermissionRequest.name, #"{"sessionId":"mine","requestId":"r1","result":{"kind":"approve-once"}}"#),
            ("session.permissions.setApproveAll", #"{"sessionId":"mine","enabled":true}"#),
            (RPC.sessionDelete.name, #"{"sessionId":"mine"}"#),
            (RPC.sessionGetMessages.name, #"{"sessionId":"mine"}"#),
        ] {
            await #expect(throws: RPCError.self, "\(method)") {
                _ = try await intruder.connection.request(method, try JSONValue(parsing: params))
            }
        }
        let listed = try await intruder.connection.request(RPC.sessionList.name, [:])
        #expect(!listed.jsonString.contains("mine"))
        #expect(try await owner.connection.request(RPC.sessionList.name, [:]).jsonString.contains("mine"))

        // The owner's endpoint has its key; a client that joins learns where calls go, not the key.
        let own = try await owner.connection.request(RPC.sessionProviderGetEndpoint.name, ["sessionId": "mine"])
        #expect(own["apiKey"] == "sk-owner-only" && own["headers"]?["X-Team"] == "team-secret")
        _ = try await intruder.connection.request(RPC.sessionResume.name, ["sessionId": "mine"])
        let joined = try await intruder.connection.request(RPC.sessionProviderGetEndpoint.name, ["sessionId": "mine"])
        #expect(joined["apiKey"] == nil && joined["headers"]?["X-Team"] == "<redacted>")
        #expect(joined["baseUrl"] == "https://model.invalid/v1")
        #expect(!joined.jsonString.contains("sk-owner-only") && !joined.jsonString.contains("team-secret"))
        await owner.disconnect()
        await intruder.disconnect()
        await server.shutdown()
    }
}
