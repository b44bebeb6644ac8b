package import CopilotCore
package import CopilotProviders
package import CopilotRuntime
package import Foundation
package import Logging

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
    /// Gets an OAuth token when the server asks for one (`nil`: none to be had).
    private let authorize: (@Sendable (MCPAuthChallenge) async -> String?)?
    /// The OAuth access token sent as `Authorization: Bearer …`, once there is one.
    private var token: String?

    /// - Parameters:
    ///   - url: the server's MCP endpoint.
    ///   - headers: sent with every request (an `Authorization` header, say); values are secrets.
    ///   - http: the HTTP client; its idle timeout bounds a quiet stream.
    ///   - token: an OAuth access token obtained before (for a new connection to the same server).
    ///   - authorize: asked for a token when the server answers 401 or 403 with a Bearer challenge.
    package init(
        url: String, headers: [String: String], http: any HTTPTransport, logger: Logger, token: String? = nil,
        authorize: (@Sendable (MCPAuthChallenge) async -> String?)? = nil
    ) {
        self.url = url
        self.headers = headers
        self.http = http
        self.logger = logger
        self.token = token
        self.authorize = authorize
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
        var response = try await authorized(try await post(Array(data))) { try await self.post(Array(data)) }
        if response.status == 404, let sentWith, method != "initialize" {
            try await initializeAgain(forgotten: sentWith)
            response = try await authorized(try await post(Array(data))) { try await self.post(Array(data)) }
        }
        try await take(response, answering: answering, initializing: method == "initialize")
        if method == "notifications/initialized" { listen() }
    }

    // MARK: Posting and reading answers

    private func requestHeaders() -> HeaderFields {
        var fields = HeaderFields()
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { fields.add(name: name, value: value) }
        if let token { fields.replaceOrAdd(name: "Authorization", value: "Bearer \(token)") }
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

    // MARK: OAuth

    /// `response`, or, when it is an OAuth challenge (401, or 403 for scope) and a token can be
    /// had, the answer to `resend` with that token. A refused refresh asks for a new sign-in; no
    /// token at all fails the message with ``MCPTransportError/needsAuthorization``.
    private func authorized(
        _ response: HTTPTransportResponse, resend: () async throws -> HTTPTransportResponse
    ) async throws -> HTTPTransportResponse {
        var response = response
        var attempts = 0
        while let authorize, response.status == 401 || response.status == 403, attempts < 3,
            let challenge = response.headers["WWW-Authenticate"].flatMap(MCPAuthChallenge.bearerParameters)
        {
            attempts += 1
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let reason: MCPAuthRequest.Reason =
                response.status == 403 || challenge["error"] == "insufficient_scope" ? .upscope : token == nil ? .initial : .refresh
            let metadata = await resourceMetadata(challenge["resourceMetadataUrl"])
            var given = await authorize(MCPAuthChallenge(reason: reason, serverURL: url, parameters: challenge, resourceMetadata: metadata))
            if given == nil, reason == .refresh {
                given = await authorize(MCPAuthChallenge(reason: .reauth, serverURL: url, parameters: challenge, resourceMetadata: metadata))
            }
            guard let given else {
                throw MCPTransportError(
                    "The MCP server at \(MCPURL.shown(url)) needs authorisation, and no OAuth token was given.", status: response.status,
                    challenge: response.headers["WWW-Authenticate"], needsAuthorization: true)
            }
            token = given
            response = try await resend()
        }
        return response
    }

    /// The server's protected-resource metadata (RFC 9728) as the JSON text it serves, fetched
    /// only from the server's own origin and at most 64 KB.
    private func resourceMetadata(_ address: String?) async -> String? {
        guard let address, let resolved = URL(string: address), SSETransport.sameOrigin(resolved, url) else { return nil }
        var fields = HeaderFields()
        fields.add(name: "Accept", value: "application/json")
        guard let response = try? await http.execute(HTTPTransportRequest(method: "GET", url: resolved.absoluteString, headers: fields)),
            (200..<300).contains(response.status), let body = try? await response.body.collect(upTo: 64 * 1024)
        else { return nil }
        return String(decoding: body, as: UTF8.self)
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
    /// The server wants an OAuth token that nobody gave.
    package var needsAuthorization = false

    init(_ description: String, status: Int? = nil, challenge: String? = nil, needsAuthorization: Bool = false) {
        self.description = description
        self.status = status
        self.challenge = challenge
        self.needsAuthorization = needsAuthorization
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

/// An OAuth challenge from a remote MCP server, as the transport passes it on.
package struct MCPAuthChallenge: Sendable, Hashable {
    package var reason: MCPAuthRequest.Reason
    package var serverURL: String
    /// `resourceMetadataUrl`, `scope`, `error`, from the `WWW-Authenticate` header.
    package var parameters: [String: String]
    package var resourceMetadata: String?

    /// The `resource_metadata` (as `resourceMetadataUrl`), `scope` and `error` parameters of a
    /// `Bearer` challenge, as the official runtime reports them; nil when the header is not one.
    static func bearerParameters(_ header: String) -> [String: String]? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bearer") else { return nil }
        var parameters: [String: String] = [:]
        var rest = Substring(trimmed.dropFirst(6))
        while let equals = rest.firstIndex(of: "=") {
            let key = rest[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: ", \t"))
            rest = rest[rest.index(after: equals)...]
            var value: String
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var text = ""
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped { text.append(character); escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { break } else { text.append(character) }
                }
                value = text
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            // The three the official runtime reports; `error_description` and the like are for people.
            if let name = ["resource_metadata": "resourceMetadataUrl", "scope": "scope", "error": "error"][key] {
                parameters[name] = String(value.prefix(2048))
            }
        }
        return parameters
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
