public import CopilotCore
public import CopilotProviders
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CLOCK_MONOTONIC now, in nanoseconds (what Python's `time.monotonic_ns` reads on Linux).
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// An OpenAI-compatible model server on loopback that plays scripted turns and records every request.
///
/// ```swift
/// let server = try await ScriptedProviderServer.start(turns: [.text("Hello!")])
/// defer { Task { try await server.shutdown() } }
/// let provider = ProviderConfig(type: .openai, baseURL: server.baseURL)
/// // … run a session, then inspect server.requests
/// ```
///
/// Each model call — `POST …/chat/completions`, `…/responses`, `…/v1/messages` or Gemini's
/// `…/models/{model}:streamGenerateContent`, including Azure's deployment routes — takes the next turn from the queue and gets it in that wire format; with no
/// turn left it answers 500. `GET …/models` lists the `models` it was started with; `GET /_scripted/timing` tells when the
/// last stream's first and last bytes were written (CLOCK_MONOTONIC nanoseconds, for benchmarks in
/// other processes). Every other path answers 404.
public final class ScriptedProviderServer: Sendable {
    /// The server's root URL without a path, for Azure (host only), Anthropic and Gemini.
    public var rootURL: String { "http://127.0.0.1:\(port)" }

    private let channel: any Channel
    private let state: ScriptedServerState

    /// The port the server listens on.
    public let port: Int
    /// The base URL to put in `ProviderConfig.baseURL`: `http://127.0.0.1:PORT/v1`.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    private init(channel: any Channel, state: ScriptedServerState, port: Int) {
        self.channel = channel
        self.state = state
        self.port = port
    }

    /// Starts a server on `127.0.0.1` (an ephemeral port unless `port` is given).
    ///
    /// - Parameters:
    ///   - turns: the answers to play, one per model call, in order.
    ///   - models: the ids `GET …/models` lists.
    ///   - port: the port to listen on; 0 picks a free one.
    ///   - responder: consulted first for every model call; its turn is played when it returns
    ///     one, otherwise the next queued turn is. Use it for calls whose order is not fixed.
    public static func start(
        turns: [ScriptedTurn] = [], models: [String] = ["scripted-model"], port: Int = 0,
        responder: (@Sendable (RecordedRequest) -> ScriptedTurn?)? = nil
    ) async throws -> ScriptedProviderServer {
        let state = ScriptedServerState(turns: turns, models: models, responder: responder)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(ScriptedHTTPHandler(state: state))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        guard let boundPort = channel.localAddress?.port else {
            try? await channel.close()
            throw ProviderError(code: .connectionFailed, message: "The scripted server could not determine its port.")
        }
        return ScriptedProviderServer(channel: channel, state: state, port: boundPort)
    }

    /// Adds turns to the end of the queue.
    public func enqueue(_ turns: [ScriptedTurn]) {
        state.storage.withLock { $0.turns.append(contentsOf: turns) }
    }

    /// Adds one turn to the end of the queue.
    public func enqueue(_ turn: ScriptedTurn) { enqueue([turn]) }

    /// Every request received so far, oldest first.
    public var requests: [RecordedRequest] { state.storage.withLock { $0.requests } }

    /// The model-call requests (Chat Completions, Responses or Anthropic Messages) received so far.
    public var modelCalls: [RecordedRequest] {
        requests.filter { ScriptedWire(path: $0.path.split(separator: "?").first.map(String.init) ?? $0.path) != nil }
    }

    /// When the last streamed response's first and last body bytes were written (for measuring
    /// client overhead against the server's own clock).
    public var lastStreamTimes: (firstByte: ContinuousClock.Instant, lastByte: ContinuousClock.Instant)? {
        state.storage.withLock { storage in
            guard let first = storage.firstByte, let last = storage.lastByte else { return nil }
            return (first, last)
        }
    }

    /// How many scripted turns have not been played yet.
    public var remainingTurns: Int { state.storage.withLock { $0.turns.count } }

    /// Stops listening. Open connections are closed.
    public func shutdown() async throws {
        try await channel.close()
    }
}

/// A request the scripted server received.
public struct RecordedRequest: Sendable, Hashable {
    public var method: String
    /// The path with its query string.
    public var path: String
    public var headers: HeaderFields
    public var body: [UInt8]

    /// The body parsed as JSON, when it is JSON.
    public var json: JSONValue? {
        try? JSONValue(parsing: Data(body))
    }
}

final class ScriptedServerState: Sendable {
    struct Storage {
        var turns: [ScriptedTurn]
        var models: [String]
        var requests: [RecordedRequest] = []
        var firstByte: ContinuousClock.Instant?
        var lastByte: ContinuousClock.Instant?
        /// The same two moments on CLOCK_MONOTONIC, in nanoseconds, for other processes to compare with.
        var firstByteMonotonic: UInt64 = 0
        var lastByteMonotonic: UInt64 = 0
    }

    let storage: Mutex<Storage>
    let responder: (@Sendable (RecordedRequest) -> ScriptedTurn?)?

    init(turns: [ScriptedTurn], models: [String], responder: (@Sendable (RecordedRequest) -> ScriptedTurn?)?) {
        storage = Mutex(Storage(turns: turns, models: models))
        self.responder = responder
    }
}

/// Answers one HTTP/1.1 connection's requests from the shared script.
final class ScriptedHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: ScriptedServerState
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(state: ScriptedServerState) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.removeAll()
        case .body(let buffer):
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, body: body, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, body: [UInt8], context: ChannelHandlerContext) {
        var headers = HeaderFields()
        for (name, value) in head.headers { headers.add(name: name, value: value) }
        let request = RecordedRequest(method: head.method.rawValue, path: head.uri, headers: headers, body: body)
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri

        if head.method == .POST, let wire = ScriptedWire(path: path) {
            let answer = state.responder?(request)
            let turn = state.storage.withLock { storage -> ScriptedTurn? in
                storage.requests.append(request)
                if let answer { return answer }
                return storage.turns.isEmpty ? nil : storage.turns.removeFirst()
            }
            guard let turn else {
                let error = ScriptedTurn.errorBody(message: "The scripted server has no turn left to play.", type: "server_error", status: 500, wire: wire)
                writeWhole(status: .internalServerError, body: error, context: context, keepAlive: head.isKeepAlive)
                return
            }
            play(turn, wire: wire, model: Self.model(in: body, path: path), context: context, keepAlive: head.isKeepAlive)
            return
        }
        let models = state.storage.withLock { storage in
            storage.requests.append(request)
            return storage.models
        }
        if head.method == .GET, path == "/_scripted/timing" {
            // For benchmarks in other processes: when the last stream's first and last bytes left.
            let timing = state.storage.withLock { storage -> JSONValue in
                ["firstByteNanoseconds": .int(Int(storage.firstByteMonotonic)), "lastByteNanoseconds": .int(Int(storage.lastByteMonotonic))]
            }
            writeWhole(status: .ok, body: timing.jsonString, context: context, keepAlive: head.isKeepAlive)
        } else if head.method == .GET, path.hasSuffix("/models") {
            let list: JSONValue
            if head.headers.contains(name: "anthropic-version") {
                list = Self.anthropicModelPage(models, query: head.uri)
            } else if head.headers.contains(name: "x-goog-api-key") || head.uri.contains("pageSize=") {
                list = Self.geminiModelPage(models, query: head.uri)
            } else {
                list = [
                    "object": "list",
                    "data": .array(models.map { ["id": .string($0), "object": "model", "created": 0, "owned_by": "scripted"] }),
                ]
            }
            writeWhole(status: .ok, body: list.jsonString, context: context, keepAlive: head.isKeepAlive)
        } else {
            let error: JSONValue = ["error": ["message": .string("No route for \(head.method.rawValue) \(path)"), "type": "invalid_request_error"]]
            writeWhole(status: .notFound, body: error.jsonString, context: context, keepAlive: head.isKeepAlive)
        }
    }

    /// Anthropic's paginated listing, two models a page so clients must follow `after_id`.
    private static func anthropicModelPage(_ models: [String], query: String) -> JSONValue {
        let after = query.split(separator: "?").dropFirst().first?.split(separator: "&")
            .first { $0.hasPrefix("after_id=") }.map { String($0.dropFirst("after_id=".count)) }
        let start = after.flatMap { id in models.firstIndex(of: id).map { $0 + 1 } } ?? 0
        let page = Array(models[min(start, models.count)..<min(start + 2, models.count)])
        return [
            "data": .array(page.map { ["type": "model", "id": .string($0), "display_name": .string($0.uppercased()), "created_at": "2026-01-01T00:00:00Z"] }),
            "has_more": .bool(start + 2 < models.count),
            "first_id": page.first.map(JSONValue.string) ?? .null,
            "last_id": page.last.map(JSONValue.string) ?? .null,
        ]
    }

    /// Gemini's paginated listing, two models a page so clients must follow `nextPageToken`.
    private static func geminiModelPage(_ models: [String], query: String) -> JSONValue {
        let token = query.split(separator: "?").dropFirst().first?.split(separator: "&")
            .first { $0.hasPrefix("pageToken=") }.map { String($0.dropFirst("pageToken=".count)) }
        let start = min(max(token.flatMap(Int.init) ?? 0, 0), models.count)
        let page = Array(models[start..<min(start + 2, models.count)])
        var list: [String: JSONValue] = [
            "models": .array(page.map {
                [
                    "name": .string("models/" + $0), "displayName": .string($0.uppercased()), "inputTokenLimit": 1_048_576,
                    "outputTokenLimit": 65536, "supportedGenerationMethods": ["generateContent", "countTokens"], "thinking": true,
                ]
            })
        ]
        if start + 2 < models.count { list["nextPageToken"] = .string(String(start + 2)) }
        return .object(list)
    }

    /// The model a call names: in the body, or for Gemini in the path (`…/models/{model}:streamGenerateContent`).
    private static func model(in body: [UInt8], path: String) -> String {
        if let name = (try? JSONValue(parsing: Data(body)))?["model"]?.stringValue { return name }
        if let colon = path.lastIndex(of: ":"), let slash = path[..<colon].lastIndex(of: "/") {
            return String(path[path.index(after: slash)..<colon]).removingPercentEncoding ?? "scripted-model"
        }
        return "scripted-model"
    }

    private func writeWhole(
        status: HTTPResponseStatus, body: String, context: ChannelHandlerContext, keepAlive: Bool,
        extraHeaders: [String: String] = [:]
    ) {
        var headers = HTTPHeaders([("content-type", "application/json"), ("content-length", String(body.utf8.count))])
        for (name, value) in extraHeaders.sorted(by: { $0.key < $1.key }) { headers.add(name: name, value: value) }
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        finish(context: context, keepAlive: keepAlive)
    }

    private func finish(context: ChannelHandlerContext, keepAlive: Bool) {
        let closeAfter = !keepAlive
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if closeAfter { channel.close(promise: nil) }
        }
    }

    private func play(_ turn: ScriptedTurn, wire: ScriptedWire, model: String, context: ChannelHandlerContext, keepAlive: Bool) {
        if let failure = turn.failure {
            writeWhole(
                status: HTTPResponseStatus(statusCode: failure.status),
                body: ScriptedTurn.errorBody(message: failure.message, type: failure.type, status: failure.status, wire: wire), context: context,
                keepAlive: keepAlive, extraHeaders: failure.headers)
            return
        }
        let events = turn.recordedBody.map { [$0] } ?? turn.events(for: wire, model: model).map(\.wireBytes)
        let writes: [[UInt8]]
        if let size = turn.delivery.chunkSize, size > 0 {
            let all = events.count == 1 ? events[0] : events.flatMap { $0 }
            writes = stride(from: 0, to: all.count, by: size).map { Array(all[$0..<min($0 + size, all.count)]) }
        } else {
            writes = events
        }
        var headers = HTTPHeaders([("content-type", "text/event-stream"), ("cache-control", "no-cache"), ("x-request-id", "req_scripted")])
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)

        state.storage.withLock { $0.firstByte = nil }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let delay = TimeAmount(turn.delivery.delay)
        let keep = keepAlive
        context.eventLoop.scheduleTask(in: TimeAmount(turn.delivery.initialDelay)) {
            let (handler, context) = bound.value
            handler.write(writes[...], delay: delay, context: context, keepAlive: keep)
        }
    }

    private func write(_ writes: ArraySlice<[UInt8]>, delay: TimeAmount, context: ChannelHandlerContext, keepAlive: Bool) {
        guard context.channel.isActive else { return }
        state.storage.withLock { storage in
            if storage.firstByte == nil {
                storage.firstByte = .now
                storage.firstByteMonotonic = monotonicNanoseconds()
            }
        }
        if delay == .zero {
            for piece in writes {
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: piece)))), promise: nil)
            }
            state.storage.withLock { storage in
                storage.lastByte = .now
                storage.lastByteMonotonic = monotonicNanoseconds()
            }
            finish(context: context, keepAlive: keepAlive)
            return
        }
        guard let first = writes.first else {
            state.storage.withLock { storage in
                storage.lastByte = .now
                storage.lastByteMonotonic = monotonicNanoseconds()
            }
            finish(context: context, keepAlive: keepAlive)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: first)))), promise: nil)
        let rest = writes.dropFirst()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = bound.value
            handler.write(rest, delay: delay, context: context, keepAlive: keepAlive)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
