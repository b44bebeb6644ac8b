import CopilotCore
import Foundation
package import Logging
import Synchronization

/// One wire format: how a request body is written and how the streamed answer is read.
protocol WireFormat {
    associatedtype Decoder: WireStreamDecoder
    /// The JSON body for `request`.
    static func requestBody(for request: ModelRequest, config: ProviderConfig) throws -> Data
    /// Headers the wire needs for `request` besides the provider's (a beta feature's, say).
    static func headers(for request: ModelRequest) -> [String: String]
    /// The request in another form the wire also has, for a server that refused the first one
    /// with `error` as a request it cannot take; nil when there is none. Asked once per call.
    static func fallback(for request: ModelRequest, config: ProviderConfig, after error: ProviderError) throws -> WireRequestForm?
}

extension WireFormat {
    static func headers(for request: ModelRequest) -> [String: String] { [:] }
    static func fallback(for request: ModelRequest, config: ProviderConfig, after error: ProviderError) throws -> WireRequestForm? { nil }

    /// `request` in the wire's first form.
    static func firstForm(of request: ModelRequest, config: ProviderConfig) throws -> WireRequestForm {
        WireRequestForm(body: try requestBody(for: request, config: config), headers: headers(for: request))
    }

    /// A request body as JSON with its object keys sorted: the same request is the same bytes in
    /// every turn and every process (a dictionary's own order is neither), so the prefix a
    /// provider caches — tools, system prompt, earlier turns — matches the next call's.
    static func encode(_ body: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(body)
    }
}

/// A conversation as runs of one role: consecutive items of a role join one message, as wires whose
/// roles must alternate want (Anthropic's blocks, Gemini's parts; a turn's tool results answer its
/// calls together, and the text after them joins the same message).
struct RoleRuns {
    private(set) var runs: [(role: String, items: [JSONValue])] = []

    mutating func append(role: String, _ items: [JSONValue]) {
        guard !items.isEmpty else { return }
        if runs.last?.role == role {
            runs[runs.count - 1].items.append(contentsOf: items)
        } else {
            runs.append((role, items))
        }
    }

    /// The runs as messages: `role` and the items under `itemsKey`.
    func json(itemsKey: String) -> [JSONValue] {
        runs.map { ["role": .string($0.role), .init(itemsKey): .array($0.items)] }
    }
}

/// One form of a model call on the wire: its body, the headers it needs besides the provider's, and
/// how its answer reads as the answer asked for (a schema answered through a forced tool call is
/// the answer's text, say).
struct WireRequestForm {
    var body: Data
    var headers: [String: String] = [:]
    var answer: @Sendable (ModelResponse) -> ModelResponse = { $0 }
}

extension WireRequestForm {
    /// What the tool a schema is asked for through says to the model.
    static let answerToolDescription = "Give your final answer as this tool's input: the input is the answer, in the form it must have."

    /// A name for the tool a schema is asked for through, unlike any of the request's own tools.
    static func answerToolName(for request: ModelRequest) -> String {
        var name = "structured_answer"
        while request.tools.contains(where: { $0.name == name }) { name += "_" }
        return name
    }

    /// How an answer reads when a call of tool `name` carries it: the call's input is the text, in
    /// place of any other call beside it (a cut-off answer keeps its finish reason).
    static func answered(byTool name: String) -> @Sendable (ModelResponse) -> ModelResponse {
        { response in
            guard let call = response.toolCalls.first(where: { $0.name == name }) else { return response }
            var answer = response
            answer.text = call.arguments
            answer.toolCalls = []
            if answer.finishReason == nil || answer.finishReason == "tool_calls" { answer.finishReason = "stop" }
            return answer
        }
    }
}

/// Reads one wire format's stream, event by event, into fragments and a final answer.
protocol WireStreamDecoder {
    init()
    /// Applies one SSE event and returns the fragments to stream. Throws ``ProviderError`` for an
    /// error the provider reported in the stream.
    mutating func apply(_ event: SSEEvent, context: WireContext) throws -> [ModelStreamEvent]
    /// Applies a whole JSON answer (a server that ignored `stream: true`).
    mutating func applyWholeBody(_ data: Data, context: WireContext) throws -> [ModelStreamEvent]
    /// Whether the provider has marked the end of the stream; reading stops here.
    var isComplete: Bool { get }
    /// Whether the answer is whole, so the stream may end here (e.g. a finish reason without `[DONE]`).
    var hasFinished: Bool { get }
    /// The assembled answer.
    func makeResponse() -> ModelResponse
}

/// What a decoder needs to describe a failure.
struct WireContext {
    var url: String
    var requestID: String?
    var redactor: SecretRedactor

    /// Parses a JSON payload into a tree (one pass, no `Decodable`), or throws a `malformedResponse`
    /// error quoting (a scrubbed) part of it.
    func parse(_ data: Data) throws -> JSONValue {
        do {
            return try JSONValue(parsing: data)
        } catch {
            throw malformed(String(decoding: data.prefix(200), as: UTF8.self))
        }
    }

    /// The same for an SSE event's text, read in place (no copy into `Data`).
    func parse(_ text: String) throws -> JSONValue {
        do {
            return try JSONValue(parsing: text)
        } catch {
            throw malformed(String(text.prefix(200)))
        }
    }

    /// The error for a payload that is not what the wire format promises.
    func malformed(_ payload: String) -> ProviderError {
        let preview = redactor.scrub(String(payload.prefix(200)))
        return ProviderError(
            code: .malformedResponse, message: "The provider at \(url) sent a stream event that could not be read: \(preview)",
            requestID: requestID, url: url)
    }

    /// The JSON payload of an event whose `type` field names it (Responses, Anthropic), with that type
    /// (falling back to the SSE `event:` name); `nil` for empty events and a stray `[DONE]`.
    func typedPayload(of event: SSEEvent) throws -> (type: String, payload: JSONValue)? {
        let data = event.data.trimmingBlanks
        if data.isEmpty || data == "[DONE]" { return nil }
        let payload = try parse(data)
        return (payload["type"]?.stringValue ?? event.event ?? "", payload)
    }

    /// An error the provider reported inside a stream.
    func streamError(message: String, type: String?) -> ProviderError {
        ProviderError(
            code: .streamError, message: "The provider at \(url) reported an error mid-stream: \(redactor.scrub(message))",
            requestID: requestID, providerErrorType: type, url: url)
    }
}

/// What every provider shares: transport, retries, clock and logging.
package struct ProviderContext: Sendable {
    /// Where HTTP goes: model calls (unless ``modelTransport`` is set) and the tools that fetch URLs.
    package var transport: any HTTPTransport
    /// Where model calls go instead of ``transport`` (a client that carries them itself).
    package var modelTransport: (any HTTPTransport)?
    package var retryPolicy: RetryPolicy
    /// The clock retries wait on (inject a test clock to avoid real sleeps).
    package var clock: any Clock<Duration>
    package var logger: Logger
    /// Returns a value in `0..<1` for retry jitter.
    package var random: @Sendable () -> Double

    package init(
        transport: any HTTPTransport, retryPolicy: RetryPolicy = .default, clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "copilot.provider"), random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.transport = transport
        self.retryPolicy = retryPolicy
        self.clock = clock
        self.logger = logger
        self.random = random
    }
}

/// A ``ModelProvider`` for one wire format over HTTP + SSE, with retries.
struct StreamingProvider<Wire: WireFormat>: ModelProvider {
    let config: ProviderConfig
    let context: ProviderContext
    /// The last refusal of a request's first form: later calls of this provider (a session's) start
    /// in the other form the refusal asks for, instead of paying for the same refusal each time.
    private let refusal = RememberedRefusal()

    init(config: ProviderConfig, context: ProviderContext) {
        self.config = config
        self.context = context
    }

    /// Largest error body read from a failed response.
    private static var errorBodyLimit: Int { 64 * 1024 }
    /// Largest non-streamed JSON answer accepted.
    private static var jsonBodyLimit: Int { 32 * 1024 * 1024 }

    func complete(_ request: ModelRequest, onEvent: @Sendable (ModelStreamEvent) async -> Void) async throws -> ModelResponse {
        var form = try Wire.firstForm(of: request, config: config)
        var refusal: ProviderError?
        if let earlier = self.refusal.error, let other = try Wire.fallback(for: request, config: config, after: earlier) {
            form = other
            refusal = earlier
        }
        var retry = 0
        while true {
            do {
                return form.answer(try await attempt(request: request, form: form, retryCount: retry, onEvent: onEvent))
            } catch var error as ProviderError {
                if refusal == nil, let other = try Wire.fallback(for: request, config: config, after: error) {
                    context.logger.info(
                        "the provider refused the request's form; asking again in another", metadata: ["status": "\(error.statusCode.map(String.init) ?? "-")"])
                    form = other
                    refusal = error
                    self.refusal.error = error
                    continue
                }
                error.attempts = retry + 1 + (refusal == nil ? 0 : 1)
                guard let wait = context.retryPolicy.delay(before: retry, after: error, random: context.random()) else {
                    if let hint = error.retryAfter, hint > context.retryPolicy.maxServerDelay, context.retryPolicy.isRetryable(error) {
                        error.message += " The provider asked to retry after \(hint), longer than this client waits (\(context.retryPolicy.maxServerDelay))."
                    } else if retry > 0 {
                        error.message += " Gave up after \(retry + 1) attempts."
                    }
                    if let refusal { error.message += " (Asked first in another form, which it refused: \(refusal.message))" }
                    throw error
                }
                context.logger.info(
                    "retrying model call",
                    metadata: ["error": "\(error.code)", "status": "\(error.statusCode.map(String.init) ?? "-")", "wait": "\(wait)"])
                await onEvent(.restart(reason: error.message, attempt: retry + 2, of: context.retryPolicy.maxRetries + 1))
                try await context.clock.sleep(for: wait)
                retry += 1
            }
        }
    }

    private func attempt(
        request: ModelRequest, form: WireRequestForm, retryCount: Int,
        onEvent: @Sendable (ModelStreamEvent) async -> Void
    ) async throws -> ModelResponse {
        let token = try await fetchToken()
        let endpoint = try ProviderEndpoint.modelCall(config: config, model: request.model, bearerToken: token)
        var redactor = SecretRedactor(config: config)
        if let token { redactor.add(token) }
        var headers = endpoint.headers
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) where headers[name] == nil {
            headers.add(name: name, value: value)
            // Header values are secrets, as the provider's own are; the client's name is not.
            if name.lowercased() != "user-agent" { redactor.add(value) }
        }
        for (name, value) in form.headers.sorted(by: { $0.key < $1.key }) {
            // A header the provider or the message already sets (another beta) gets this value beside its own.
            if let own = headers[name] { headers.replaceOrAdd(name: name, value: own + "," + value) } else { headers.add(name: name, value: value) }
        }
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        headers.replaceOrAdd(name: "Accept", value: request.stream ? "text/event-stream" : "application/json")
        if retryCount > 0 { headers.replaceOrAdd(name: "x-retry-count", value: String(retryCount)) }

        context.logger.debug("model call", metadata: ["url": "\(endpoint.url)", "model": "\(request.model)", "attempt": "\(retryCount + 1)"])
        var transportRequest = HTTPTransportRequest(method: "POST", url: endpoint.url, headers: headers, body: Array(form.body))
        transportRequest.origin = request.origin
        let response = try await context.transport.execute(transportRequest)
        guard (200..<300).contains(response.status) else {
            let errorBody = (try? await response.body.collect(upTo: Self.errorBodyLimit)) ?? []
            throw ProviderError.fromHTTPResponse(
                status: response.status, headers: response.headers, body: errorBody, url: endpoint.url, redactor: redactor)
        }
        let wireContext = WireContext(url: endpoint.url, requestID: ProviderError.requestID(in: response.headers), redactor: redactor)
        var reader = WireStreamReader<Wire.Decoder>(context: wireContext)

        let contentType = response.headers["content-type"]?.lowercased() ?? ""
        if contentType.contains("application/json") {
            let bytes = try await response.body.collect(upTo: Self.jsonBodyLimit)
            for fragment in try reader.decodeWholeBody(bytes) {
                await onEvent(fragment)
            }
        } else {
            for try await bytes in response.body {
                try Task.checkCancellation()
                for fragment in try reader.feed(bytes) {
                    await onEvent(fragment)
                }
                if reader.isComplete { break }
            }
            try Task.checkCancellation()
            for fragment in try reader.finish() {
                await onEvent(fragment)
            }
        }
        var answer = reader.makeResponse()
        answer.requestID = wireContext.requestID
        answer.apiEndpoint = endpoint.apiEndpoint
        return answer
    }

    private func fetchToken() async throws -> String? {
        guard let provider = config.bearerTokenProvider else { return nil }
        do {
            let token = try await provider.token()
            guard !token.isEmpty else {
                throw ProviderError(code: .authenticationFailed, message: "The bearer token provider returned an empty token.")
            }
            return token
        } catch let error as ProviderError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ProviderError(code: .authenticationFailed, message: "The bearer token provider failed: \(error)")
        }
    }
}

/// A refusal one provider instance remembers for the calls after it.
final class RememberedRefusal: Sendable {
    private let storage = Mutex<ProviderError?>(nil)

    var error: ProviderError? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

/// Reads one streamed answer: the SSE framing, then the wire's decoder, with the end-of-stream rules.
///
/// ``StreamingProvider`` feeds it the response body as it arrives; ``ProviderConfig/decodeStream(_:)``
/// feeds it bytes it already has (the fuzz targets use that), so both read a stream the same way.
struct WireStreamReader<Decoder: WireStreamDecoder> {
    private var parser = SSEParser()
    private var decoder = Decoder()
    private let context: WireContext

    init(context: WireContext) {
        self.context = context
    }

    /// Whether the provider has marked the end of the stream; whatever follows is not read.
    var isComplete: Bool { decoder.isComplete }

    /// Applies the next chunk of the body and returns the fragments it completed.
    mutating func feed(_ bytes: some Collection<UInt8>) throws -> [ModelStreamEvent] {
        guard !decoder.isComplete else { return [] }
        var fragments: [ModelStreamEvent] = []
        for event in parser.feed(bytes) {
            fragments += try decoder.apply(event, context: context)
            if decoder.isComplete { break }
        }
        if parser.overflowed {
            throw ProviderError(
                code: .malformedResponse,
                message: "One event in the stream from \(context.url) grew past \(SSEParser.defaultEventLimit / 1_048_576) MB without ending; the stream was abandoned.",
                requestID: context.requestID, url: context.url)
        }
        return fragments
    }

    /// Ends the body: applies a last event that lacked its blank line, then throws `streamEndedEarly`
    /// unless the answer is whole.
    mutating func finish() throws -> [ModelStreamEvent] {
        var fragments: [ModelStreamEvent] = []
        if !decoder.isComplete {
            for event in parser.finish() {
                fragments += try decoder.apply(event, context: context)
            }
        }
        guard decoder.isComplete || decoder.hasFinished else {
            throw ProviderError(
                code: .streamEndedEarly,
                message: "The stream from \(context.url) ended before the answer was complete; the partial answer was discarded.",
                requestID: context.requestID, url: context.url)
        }
        return fragments
    }

    /// Reads a whole JSON answer (a server that ignored `stream: true`).
    mutating func decodeWholeBody(_ bytes: [UInt8]) throws -> [ModelStreamEvent] {
        try decoder.applyWholeBody(Data(bytes), context: context)
    }

    /// The assembled answer.
    func makeResponse() -> ModelResponse { decoder.makeResponse() }
}

extension String {
    /// The text without surrounding spaces and tabs; returns `self` unchanged (no copy) in the usual case.
    var trimmingBlanks: String {
        guard let first = utf8.first, let last = utf8.last else { return self }
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard blank(first) || blank(last) else { return self }
        return trimmingCharacters(in: .whitespaces)
    }
}
