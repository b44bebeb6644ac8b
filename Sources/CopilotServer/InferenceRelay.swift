import CopilotCore
import CopilotProtocol
import CopilotProviders
import Foundation
import Synchronization

/// Model HTTP requests carried by a client instead of by this process (`llmInference.*`).
///
/// A client that calls `llmInference.setProvider` becomes a carrier of model calls: each request of
/// a session the client belongs to (created, resumed or joined) goes to it as
/// `llmInference.httpRequestStart` and `httpRequestChunk`, and it answers through
/// `httpResponseStart` and `httpResponseChunk`. Another client's sessions never go through it — a
/// carrier sees prompts and `Authorization` headers. When several carriers belong to a session, the
/// one that registered last carries it. A session none of its clients carries, and one whose
/// carrier disconnected, calls the provider directly. Tools that fetch URLs never go through a carrier.
///
/// A response body the client sends waits in a buffer of at most ``bufferLimit`` bytes: beyond
/// that, its `httpResponseChunk` is answered only once the provider has read enough.
final class InferenceRelay: Sendable {
    /// The most response bytes held for a provider that has not read them yet.
    static let bufferLimit = 1 << 20

    fileprivate struct State {
        /// Registered carriers, the latest last.
        var carriers: [RPCConnection] = []
        var exchanges: [String: Exchange] = [:]
    }
    private let state = Mutex(State())
    /// The longest wait for the client's next frame of a response (head or body), as for a
    /// provider reached directly.
    let idleTimeout: Duration
    let clock: any Clock<Duration>

    init(idleTimeout: Duration = HTTPTimeouts.default.idle, clock: any Clock<Duration>) {
        self.idleTimeout = idleTimeout
        self.clock = clock
    }

    /// The carrier for a session whose clients are `members` (connection ids), if one of them registered.
    func carrier(among members: Set<UUID>) -> RPCConnection? {
        state.withLock { $0.carriers.last { members.contains($0.id) } }
    }

    /// `llmInference.setProvider`: `connection` carries its sessions' model calls from now on.
    func register(_ connection: RPCConnection) {
        state.withLock { state in
            state.carriers.removeAll { $0 === connection }
            state.carriers.append(connection)
        }
    }

    /// `connection` ended: if it was a carrier, its sessions' model calls go out directly again (or
    /// through another of their carriers), and the ones it was carrying fail.
    func connectionClosed(_ connection: RPCConnection) {
        let orphaned = state.withLock { state -> [Exchange] in
            guard state.carriers.contains(where: { $0 === connection }) else { return [] }
            state.carriers.removeAll { $0 === connection }
            return state.takeExchanges { $0.carrier === connection }
        }
        for exchange in orphaned {
            exchange.fail(ProviderError(
                code: .connectionFailed, message: "The client carrying model requests disconnected before the response was complete.",
                url: exchange.url), tellClient: false)
        }
    }

    /// A transport for one session's model calls: through a carrier among the session's clients
    /// (`members`, asked at each call) when there is one, else `direct`.
    func transport(direct: any HTTPTransport, sessionID: String, members: @escaping @Sendable () -> Set<UUID>) -> any HTTPTransport {
        RelayedTransport(relay: self, direct: direct, sessionID: sessionID, members: members)
    }

    /// `llmInference.httpResponseStart`; false when no request with that id is waiting.
    func responseStarted(_ params: InferenceResponseStartParams, from connection: RPCConnection) -> Bool {
        guard let exchange = exchange(params.requestId, from: connection) else { return false }
        var headers = HeaderFields()
        for (name, values) in params.headers.sorted(by: { $0.key < $1.key }) {
            for value in values { headers.add(name: name, value: value) }
        }
        return exchange.start(status: params.status, headers: headers)
    }

    /// `llmInference.httpResponseChunk`; returns once the chunk is buffered (waiting while the buffer
    /// is full). False when no request with that id is in flight, or its data cannot be read.
    func responseChunk(_ params: InferenceResponseChunkParams, from connection: RPCConnection) async -> Bool {
        guard let exchange = exchange(params.requestId, from: connection) else { return false }
        if let error = params.error {
            exchange.fail(ProviderError(
                code: .connectionFailed, message: "The client carrying model requests failed: \(error.message)", url: exchange.url),
                tellClient: false)
            return true
        }
        let bytes: [UInt8]
        if params.binary == true {
            guard let decoded = Data(base64Encoded: params.data) else {
                exchange.fail(
                    ProviderError(code: .malformedResponse, message: "A response chunk was not valid base64.", url: exchange.url), tellClient: true)
                return false
            }
            bytes = Array(decoded)
        } else {
            bytes = Array(params.data.utf8)
        }
        return await exchange.deliver(bytes, end: params.end == true)
    }

    private func exchange(_ id: String, from connection: RPCConnection) -> Exchange? {
        state.withLock { state in state.exchanges[id].flatMap { $0.carrier === connection ? $0 : nil } }
    }

    /// Sends `request` through `carrier` and waits for the head of its response.
    fileprivate func execute(_ request: HTTPTransportRequest, through carrier: RPCConnection, sessionID: String) async throws -> HTTPTransportResponse {
        let id = UUID().uuidString.lowercased()
        let exchange = Exchange(id: id, url: request.url, carrier: carrier) { [weak self] in self?.forget(id) }
        state.withLock { $0.exchanges[id] = exchange }
        var headers: MultiValueHeaders = [:]
        for field in request.headers { headers[field.name.lowercased(), default: []].append(field.value) }
        let body = request.body ?? []
        let text = String(validating: body, as: UTF8.self)
        do {
            _ = try await carrier.call(
                RPC.llmInferenceHTTPRequestStart,
                InferenceRequestStartParams(
                    requestId: id, method: request.method, url: request.url, headers: headers, sessionId: sessionID,
                    interactionType: request.origin?.interactionType ?? "conversation-agent", agentId: request.origin?.agentId,
                    parentAgentId: request.origin?.parentAgentId))
            _ = try await carrier.call(
                RPC.llmInferenceHTTPRequestChunk,
                InferenceRequestChunkParams(requestId: id, data: text ?? Data(body).base64EncodedString(), binary: text == nil ? true : nil, end: true))
        } catch {
            exchange.fail(error, tellClient: false)
            if let rpcError = error as? RPCError {
                throw ProviderError(
                    code: .connectionFailed, message: "The client carrying model requests could not take this one: \(rpcError.message)",
                    url: request.url)
            }
            throw error
        }
        let (status, responseHeaders) = try await exchange.head(idleTimeout: idleTimeout, clock: clock)
        let lifetime = BodyLifetime(exchange)
        return HTTPTransportResponse(
            status: status, headers: responseHeaders,
            body: HTTPResponseBody { [idleTimeout, clock] in
                { try await lifetime.exchange.nextChunk(idleTimeout: idleTimeout, clock: clock) }
            })
    }

    private func forget(_ id: String) {
        state.withLock { _ = $0.exchanges.removeValue(forKey: id) }
    }
}

extension InferenceRelay.State {
    fileprivate mutating func takeExchanges(where matches: (InferenceRelay.Exchange) -> Bool) -> [InferenceRelay.Exchange] {
        let taken = exchanges.values.filter(matches)
        for exchange in taken { exchanges.removeValue(forKey: exchange.id) }
        return taken
    }
}

/// One session's model transport: through a carrier among the session's clients when there is one.
private struct RelayedTransport: HTTPTransport {
    let relay: InferenceRelay
    let direct: any HTTPTransport
    let sessionID: String
    let members: @Sendable () -> Set<UUID>

    func execute(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        guard let carrier = relay.carrier(among: members()) else { return try await direct.execute(request) }
        return try await relay.execute(request, through: carrier, sessionID: sessionID)
    }
}

extension InferenceRelay {
    /// One relayed request: the head the client sends, then its body, buffered for the provider.
    final class Exchange: Sendable {
        let id: String
        let url: String
        let carrier: RPCConnection

        fileprivate enum Head {
            case pending(CheckedContinuation<(Int, HeaderFields), any Error>?)
            case arrived(Int, HeaderFields)
            case taken
        }
        fileprivate struct State {
            var head = Head.pending(nil)
            var chunks: [[UInt8]] = []
            var buffered = 0
            /// The client sent the end of the body.
            var ended = false
            var failure: (any Error)?
            var reader: CheckedContinuation<[UInt8]?, any Error>?
            /// Deliveries waiting for the buffer to drain.
            var writers: [CheckedContinuation<Void, Never>] = []
            var finished = false
            var onFinish: (@Sendable () -> Void)?
        }
        private let state = Mutex(State())

        init(id: String, url: String, carrier: RPCConnection, onFinish: @escaping @Sendable () -> Void) {
            self.id = id
            self.url = url
            self.carrier = carrier
            state.withLock { $0.onFinish = onFinish }
        }

        /// The client's response head; false if one came already or the exchange is over.
        func start(status: Int, headers: HeaderFields) -> Bool {
            let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<(Int, HeaderFields), any Error>?) in
                guard case .pending(let waiter) = state.head, state.failure == nil else { return (false, nil) }
                state.head = waiter == nil ? .arrived(status, headers) : .taken
                return (true, waiter)
            }
            waiter?.resume(returning: (status, headers))
            return accepted
        }

        /// Buffers `bytes` (and the end of the body when `end`), returning once there is room.
        func deliver(_ bytes: [UInt8], end: Bool) async -> Bool {
            let (accepted, reader, chunk, mustWait) = state.withLock {
                state -> (Bool, CheckedContinuation<[UInt8]?, any Error>?, [UInt8]?, Bool) in
                guard state.failure == nil, !state.ended, !state.finished else { return (false, nil, nil, false) }
                if !bytes.isEmpty {
                    state.chunks.append(bytes)
                    state.buffered += bytes.count
                }
                if end { state.ended = true }
                guard let reader = state.reader else { return (true, nil, nil, state.buffered > InferenceRelay.bufferLimit) }
                state.reader = nil
                return (true, reader, state.takeChunk(), false)
            }
            if let reader {
                if chunk == nil { finish() }
                reader.resume(returning: chunk)
            }
            if mustWait {
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state -> Bool in
                        guard state.buffered > InferenceRelay.bufferLimit, !state.finished else { return true }
                        state.writers.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            return accepted
        }

        /// Waits for the response head.
        func head(idleTimeout: Duration, clock: any Clock<Duration>) async throws -> (Int, HeaderFields) {
            let head = try await withTimeout(idleTimeout, clock: clock) { [self] in
                try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { continuation in
                        let outcome = state.withLock { state -> Result<(Int, HeaderFields), any Error>? in
                            if let failure = state.failure { return .failure(failure) }
                            switch state.head {
                            case .arrived(let status, let headers):
                                state.head = .taken
                                return .success((status, headers))
                            case .pending:
                                state.head = .pending(continuation)
                                return nil
                            case .taken:
                                return .failure(ProviderError(code: .malformedResponse, message: "The response head was read twice.", url: url))
                            }
                        }
                        if let outcome { continuation.resume(with: outcome) }
                    }
                } onCancel: {
                    fail(CancellationError(), tellClient: true)
                }
            }
            guard let head else {
                let error = ProviderError(
                    code: .timeout, message: "The client carrying model requests sent no response head within \(idleTimeout).", url: url)
                fail(error, tellClient: true)
                throw error
            }
            return head
        }

        /// The next part of the body (everything buffered so far), or nil at its end.
        func nextChunk(idleTimeout: Duration, clock: any Clock<Duration>) async throws -> [UInt8]? {
            let next = try await withTimeout(idleTimeout, clock: clock) { [self] () async throws -> [UInt8]? in
                try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                        let ready = state.withLock { state -> (Result<[UInt8]?, any Error>, [CheckedContinuation<Void, Never>])? in
                            if let failure = state.failure { return (.failure(failure), []) }
                            guard !state.chunks.isEmpty || state.ended else {
                                state.reader = continuation
                                return nil
                            }
                            defer { state.writers = [] }
                            return (.success(state.takeChunk()), state.writers)
                        }
                        guard let (result, writers) = ready else { return }
                        for writer in writers { writer.resume() }
                        continuation.resume(with: result)
                    }
                } onCancel: {
                    fail(CancellationError(), tellClient: true)
                }
            }
            guard let next else {
                let error = ProviderError(
                    code: .timeout, message: "The client carrying model requests sent nothing for \(idleTimeout); the stream was abandoned.",
                    url: url)
                fail(error, tellClient: true)
                throw error
            }
            if next == nil { finish() }
            return next
        }

        /// Ends the exchange with `error`: whoever waits is told, and with `tellClient` the client
        /// is asked to stop (`httpRequestChunk` with `cancel`) unless it had sent the whole body.
        func fail(_ error: any Error, tellClient: Bool) {
            let woken = state.withLock { state -> (CheckedContinuation<(Int, HeaderFields), any Error>?, CheckedContinuation<[UInt8]?, any Error>?, [CheckedContinuation<Void, Never>], Bool)? in
                guard state.failure == nil, !state.finished else { return nil }
                state.failure = error
                var head: CheckedContinuation<(Int, HeaderFields), any Error>?
                if case .pending(let waiter) = state.head {
                    head = waiter
                    state.head = .taken
                }
                defer {
                    state.reader = nil
                    state.writers = []
                    state.chunks = []
                    state.buffered = 0
                }
                return (head, state.reader, state.writers, tellClient && !state.ended)
            }
            guard let (head, reader, writers, cancelAtClient) = woken else { return }
            if cancelAtClient {
                let carrier = carrier
                let request = InferenceRequestChunkParams(
                    requestId: id, data: "", cancel: true, cancelReason: error is CancellationError ? "cancelled" : "\(error)")
                Task { _ = try? await carrier.call(RPC.llmInferenceHTTPRequestChunk, request) }
            }
            finish()
            head?.resume(throwing: error)
            reader?.resume(throwing: error)
            for writer in writers { writer.resume() }
        }

        /// The provider let the response go: anything still coming is not wanted.
        func abandon() {
            fail(CancellationError(), tellClient: true)
        }

        private func finish() {
            let onFinish = state.withLock { state -> (@Sendable () -> Void)? in
                state.finished = true
                defer { state.onFinish = nil }
                return state.onFinish
            }
            onFinish?()
        }
    }

    /// Lives as long as a response body (and its iterators): when it goes, so does the exchange.
    fileprivate final class BodyLifetime: Sendable {
        let exchange: Exchange
        init(_ exchange: Exchange) { self.exchange = exchange }
        deinit { exchange.abandon() }
    }
}

extension InferenceRelay.Exchange.State {
    /// Everything buffered, as one chunk; nil at the end of the body.
    fileprivate mutating func takeChunk() -> [UInt8]? {
        guard !chunks.isEmpty else { return nil }
        let chunk = chunks.count == 1 ? chunks[0] : Array(chunks.joined())
        chunks = []
        buffered = 0
        return chunk
    }
}
