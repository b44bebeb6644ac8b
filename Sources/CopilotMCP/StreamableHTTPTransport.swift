package import CopilotCore
package import CopilotProviders
package import Foundation
package import Logging
import MCP

/// MCP's Streamable HTTP transport (`type: "http"`), over AsyncHTTPClient and our SSE parser.
///
/// Every message is POSTed to the server's one URL. The answer to a request comes back either as
/// one JSON body or as an event stream, which may carry the server's own requests and notifications
/// before the answer; both are read as they arrive, so ``send(_:)`` returns once the server has
/// taken the message. The session id the server gives when it initialises (`Mcp-Session-Id`) goes
/// with every later message, beside the negotiated `MCP-Protocol-Version`; a GET stream, when the
/// server offers one, carries what it sends unasked. A 404 for a session means the server forgot it:
/// the transport initialises again (the client's own `initialize`, sent anew) and resends the message.
///
/// A broken connection ends the transport (``hasEnded``): the calls waiting on it fail with the
/// reason and the next use opens a new one. Header values never appear in errors or logs, and the
/// URL only without its credentials and query.
package actor StreamableHTTPTransport: MCPTransport {
    package nonisolated let logger: Logger
    private let url: String
    private let headers: [String: String]
    private let http: any HTTPTransport
    private var sessionId: String?
    private var protocolVersion: String?
    /// The client's `initialize` request, sent again when the server forgets the session.
    private var initializeRequest: JSONValue?
    private var reinitializing: Task<Void, any Error>?
    private var reinitializations = 0
    /// The tasks reading answers (event streams) and the GET stream, ended on ``disconnect()``.
    private var readers: [UUID: Task<Void, Never>] = [:]
    private var listener: Task<Void, Never>?
    private nonisolated let stream: AsyncThrowingStream<Data, any Error>
    private nonisolated let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private nonisolated let ending = Ending()

    /// - Parameters:
    ///   - url: the server's MCP endpoint.
    ///   - headers: sent with every request (an `Authorization` header, say); values are secrets.
    ///   - http: the HTTP client; its idle timeout bounds a quiet stream.
    package init(url: String, headers: [String: String], http: any HTTPTransport, logger: Logger) {
        self.url = url
        self.headers = headers
        self.http = http
        self.logger = logger
        (stream, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
    }

    package nonisolated var hasEnded: Bool { ending.reason != nil }
    package nonisolated var endReason: String { ending.reason ?? "the connection is open" }
    package nonisolated func waitUntilEnded() async { await ending.wait() }
    package nonisolated var errorTail: String { "" }
    package nonisolated func receive() -> AsyncThrowingStream<Data, any Error> { stream }

    /// The session id the server gave, if it gave one (for tests and diagnostics).
    package var currentSessionId: String? { sessionId }

    package func connect() async throws {
        if let problem = MCPURL.problem(url) { throw MCPTransportError("The MCP server's URL cannot be used: \(problem).") }
    }

    package func disconnect() async {
        listener?.cancel()
        for reader in readers.values { reader.cancel() }
        readers.removeAll()
        end("the connection was closed")
        // Tell the server the session is over; it may not support that, and nobody waits for it.
        if let sessionId {
            var request = HTTPTransportRequest(method: "DELETE", url: url, headers: requestHeaders())
            request.headers.replaceOrAdd(name: "Mcp-Session-Id", value: sessionId)
            let http = http
            Task { _ = try? await http.execute(request) }
        }
    }

    package func send(_ data: Data) async throws {
        if let reason = ending.reason { throw MCPTransportError(reason) }
        let message = try? JSONValue(parsing: data)
        let method = message?["method"]?.stringValue
        let answering = method != nil ? message?["id"].flatMap { $0 == .null ? nil : $0 } : nil
        if method == "initialize" {
            initializeRequest = message
            sessionId = nil
        }
        let sentWith = sessionId
        var response = try await post(Array(data))
        if response.status == 404, let sentWith, method != "initialize" {
            try await initializeAgain(forgotten: sentWith)
            response = try await post(Array(data))
        }
        try await take(response, answering: answering, initializing: method == "initialize")
        if method == "notifications/initialized" { listen() }
    }

    // MARK: Posting and reading answers

    private func requestHeaders() -> HeaderFields {
        var fields = HeaderFields()
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { fields.add(name: name, value: value) }
        if let sessionId { fields.replaceOrAdd(name: "Mcp-Session-Id", value: sessionId) }
        if let protocolVersion { fields.replaceOrAdd(name: "MCP-Protocol-Version", value: protocolVersion) }
        return fields
    }

    private func post(_ body: [UInt8]) async throws -> HTTPTransportResponse {
        var fields = requestHeaders()
        fields.replaceOrAdd(name: "Content-Type", value: "application/json")
        fields.replaceOrAdd(name: "Accept", value: "application/json, text/event-stream")
        do {
            return try await http.execute(HTTPTransportRequest(method: "POST", url: url, headers: fields, body: body))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let reason = "could not reach the server at \(MCPURL.shown(url)): \(Self.cause(error))"
            end(reason)
            throw MCPTransportError(reason)
        }
    }

    /// Reads the server's answer to a POST: nothing (202), one JSON message, or an event stream.
    private func take(_ response: HTTPTransportResponse, answering id: JSONValue?, initializing: Bool) async throws {
        guard (200..<300).contains(response.status) else {
            throw MCPTransportError.status(response.status, url: url, challenge: response.headers["WWW-Authenticate"])
        }
        if initializing, let session = response.headers["Mcp-Session-Id"] { sessionId = session }
        let type = response.headers["Content-Type"]?.lowercased() ?? ""
        if type.hasPrefix("text/event-stream") {
            let key = UUID()
            readers[key] = Task {
                await self.read(response.body, answering: id, initializing: initializing)
                self.readers[key] = nil
            }
        } else if type.hasPrefix("application/json") {
            let body = try await response.body.collect(upTo: StdioTransport.messageLimit)
            if let message = try? JSONValue(parsing: body) { note(message, initializing: initializing) }
            // A notification's 202 may say JSON and carry nothing.
            guard body.contains(where: { !$0.isWhitespaceByte }) else { return }
            continuation.yield(Data(body))
        } else if id != nil {
            throw MCPTransportError("The MCP server answered a request with neither JSON nor an event stream (HTTP \(response.status)).")
        }
    }

    /// Yields every message of an event stream; a stream that breaks, or ends before it answered
    /// the request it was opened for, ends the transport.
    private func read(_ body: HTTPResponseBody, answering id: JSONValue?, initializing: Bool) async {
        var parser = SSEParser(eventLimit: StdioTransport.messageLimit)
        var answered = id == nil
        do {
            for try await chunk in body {
                for event in parser.feed(chunk) where answer(event, to: id, initializing: initializing) { answered = true }
                if parser.overflowed { throw MCPTransportError("the server sent an event longer than \(StdioTransport.messageLimit) bytes") }
            }
            for event in parser.finish() where answer(event, to: id, initializing: initializing) { answered = true }
            if !answered { end("the server ended its answer to a request without answering it") }
        } catch is CancellationError {
        } catch {
            if !Task.isCancelled { end("the connection to the server broke: \(Self.cause(error))") }
        }
    }

    /// Passes an event's message on; says whether it was the answer to `id`.
    private func answer(_ event: SSEEvent, to id: JSONValue?, initializing: Bool) -> Bool {
        guard event.event == nil || event.event == "message", !event.data.isEmpty else { return false }
        let message = try? JSONValue(parsing: event.data)
        if let message { note(message, initializing: initializing) }
        continuation.yield(Data(event.data.utf8))
        guard let id, let message, message["method"] == nil else { return false }
        return message["id"] == id
    }

    /// Keeps the protocol version the server agreed to in its answer to `initialize`.
    private func note(_ message: JSONValue, initializing: Bool) {
        if initializing, let version = message["result"]?["protocolVersion"]?.stringValue { protocolVersion = version }
    }

    // MARK: A forgotten session

    /// Initialises again after the server answered 404 for the session `forgotten`: the client's
    /// `initialize` goes out anew (with an id of its own, so its answer is not taken for the
    /// client's), then `notifications/initialized`. Concurrent sends wait for one re-initialisation.
    private func initializeAgain(forgotten: String) async throws {
        if let reinitializing { return try await reinitializing.value }
        guard sessionId == forgotten else { return }  // already done by another send
        guard var request = initializeRequest?.objectValue else {
            throw MCPTransportError("The MCP server forgot the session before it was initialised.")
        }
        reinitializations += 1
        request["id"] = .string("copilot-swift-reinitialize-\(reinitializations)")
        let initialize = request
        let task = Task {
            defer { self.reinitializing = nil }
            self.sessionId = nil
            self.logger.info("MCP server forgot the session; initialising again")
            let response = try await self.post(Array(JSONValue.object(initialize).jsonString.utf8))
            guard (200..<300).contains(response.status) else {
                throw MCPTransportError.status(response.status, url: self.url, challenge: response.headers["WWW-Authenticate"])
            }
            self.sessionId = response.headers["Mcp-Session-Id"]
            try await self.drain(response, answering: initialize["id"]!)
            let initialized = try await self.post(Array(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8))
            guard (200..<300).contains(initialized.status) else {
                throw MCPTransportError.status(initialized.status, url: self.url, challenge: nil)
            }
            self.listen()
        }
        reinitializing = task
        try await task.value
    }

    /// Reads the answer to our own `initialize` (JSON or events) without passing it to the client.
    private func drain(_ response: HTTPTransportResponse, answering id: JSONValue) async throws {
        let body = try await response.body.collect(upTo: StdioTransport.messageLimit)
        var messages: [JSONValue] = []
        if response.headers["Content-Type"]?.lowercased().hasPrefix("text/event-stream") == true {
            var parser = SSEParser(eventLimit: StdioTransport.messageLimit)
            messages = (parser.feed(body) + parser.finish()).compactMap { try? JSONValue(parsing: $0.data) }
        } else if let message = try? JSONValue(parsing: body) {
            messages = [message]
        }
        guard let answer = messages.first(where: { $0["id"] == id }) else {
            throw MCPTransportError("The MCP server did not answer when initialised again.")
        }
        if let error = answer["error"] { throw MCPTransportError("The MCP server refused to initialise again: \(error)") }
        note(answer, initializing: true)
    }

    // MARK: The GET stream

    /// Opens (again) the stream for what the server sends unasked, when it offers one.
    private func listen() {
        listener?.cancel()
        listener = Task { await self.listenLoop() }
    }

    private func listenLoop() async {
        var lastEventId: String?
        var failures = 0
        while !Task.isCancelled, !hasEnded, failures < 3 {
            var fields = requestHeaders()
            fields.replaceOrAdd(name: "Accept", value: "text/event-stream")
            if let lastEventId { fields.replaceOrAdd(name: "Last-Event-ID", value: lastEventId) }
            do {
                let response = try await http.execute(HTTPTransportRequest(method: "GET", url: url, headers: fields))
                // 405: the server offers no such stream.
                if response.status == 405 { return }
                guard (200..<300).contains(response.status),
                    response.headers["Content-Type"]?.lowercased().hasPrefix("text/event-stream") == true
                else {
                    failures += 1
                    try await Task.sleep(for: .seconds(1))
                    continue
                }
                failures = 0
                var parser = SSEParser(eventLimit: StdioTransport.messageLimit)
                for try await chunk in response.body {
                    for event in parser.feed(chunk) {
                        lastEventId = event.id ?? lastEventId
                        _ = answer(event, to: nil, initializing: false)
                    }
                    if parser.overflowed { return }
                }
            } catch {
                if Task.isCancelled { return }
                failures += 1
                logger.debug("MCP server's event stream broke", metadata: ["error": "\(Self.cause(error))"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    // MARK: Ending

    private func end(_ reason: String) {
        guard ending.end(reason) else { return }
        listener?.cancel()
        continuation.finish(throwing: MCPTransportError(reason))
    }

    /// An HTTP client's error, as a user can act on it, with no URL in it (ours is shown without
    /// its credentials where it is needed).
    static func cause(_ error: any Error) -> String {
        if let error = error as? ProviderError {
            switch error.code {
            case .timeout: return "it sent nothing for too long"
            case .connectionFailed: return "the connection failed"
            case .streamEndedEarly: return "it closed the connection"
            default: return "the request failed"
            }
        }
        if let error = error as? MCPTransportError { return error.description }
        return "the request failed"
    }
}

/// A failure of an MCP transport.
package struct MCPTransportError: Error, CustomStringConvertible {
    package var description: String
    /// The HTTP status the server answered with, when it refused.
    package var status: Int?
    /// The server's `WWW-Authenticate` challenge, when it asked for authorisation.
    package var challenge: String?

    init(_ description: String, status: Int? = nil, challenge: String? = nil) {
        self.description = description
        self.status = status
        self.challenge = challenge
    }

    static func status(_ status: Int, url: String, challenge: String?) -> MCPTransportError {
        let why = switch status {
        case 401: " (it asks for authorisation)"
        case 403: " (forbidden)"
        case 404: " (no MCP endpoint there)"
        default: ""
        }
        return MCPTransportError("The MCP server at \(MCPURL.shown(url)) answered HTTP \(status)\(why).", status: status, challenge: challenge)
    }
}

/// Checks and shows remote MCP servers' URLs.
enum MCPURL {
    /// Why `url` cannot be an MCP server's URL, or nil when it can.
    static func problem(_ url: String) -> String? {
        if let problem = ProviderEndpoint.urlProblem(url) { return "its \(problem)" }
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased() else { return "it is not a URL" }
        guard scheme == "http" || scheme == "https" else { return "it must start with http:// or https://" }
        guard parsed.host?.isEmpty == false else { return "it has no host" }
        return nil
    }

    /// `url` without its credentials, query and fragment: what errors and logs may show.
    static func shown(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return "<the configured URL>" }
        parts.user = nil
        parts.password = nil
        parts.query = nil
        parts.fragment = nil
        return parts.string ?? "<the configured URL>"
    }
}

extension UInt8 {
    fileprivate var isWhitespaceByte: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
