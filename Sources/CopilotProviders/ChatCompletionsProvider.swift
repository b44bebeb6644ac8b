import Foundation
import Logging

/// OpenAI Chat Completions over HTTP with SSE streaming: OpenAI, Azure OpenAI and every
/// OpenAI-compatible server (Ollama, vLLM, LiteLLM, llama.cpp, Foundry Local).
public struct ChatCompletionsProvider: ModelProvider {
    /// The provider settings, including credentials.
    public let config: ProviderConfig
    private let transport: any HTTPTransport
    private let logger: Logger

    /// Largest error body read from a failed response.
    private static let errorBodyLimit = 64 * 1024
    /// Largest non-streamed JSON answer accepted.
    private static let jsonBodyLimit = 32 * 1024 * 1024

    public init(config: ProviderConfig, transport: any HTTPTransport, logger: Logger = Logger(label: "copilot.provider")) {
        self.config = config
        self.transport = transport
        self.logger = logger
    }

    public func complete(
        _ request: ModelRequest,
        onEvent: @Sendable (ModelStreamEvent) async -> Void
    ) async throws -> ModelResponse {
        let endpoint = try ProviderEndpoint.modelCall(config: config, model: request.model)
        let redactor = SecretRedactor(config: config)
        var headers = endpoint.headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        headers.replaceOrAdd(name: "Accept", value: "text/event-stream")
        let body = try JSONEncoder().encode(ChatCompletionsWire.requestBody(for: request))

        logger.debug("model call", metadata: ["url": "\(endpoint.url)", "model": "\(request.model)", "messages": "\(request.messages.count)"])
        let response = try await transport.execute(
            HTTPTransportRequest(method: "POST", url: endpoint.url, headers: headers, body: Array(body)))

        guard (200..<300).contains(response.status) else {
            let errorBody = (try? await response.body.collect(upTo: Self.errorBodyLimit)) ?? []
            throw ProviderError.fromHTTPResponse(
                status: response.status, headers: response.headers, body: errorBody, url: endpoint.url, redactor: redactor)
        }
        let requestID = ProviderError.requestID(in: response.headers)
        var accumulator = ChatCompletionsWire.Accumulator()

        let contentType = response.headers["content-type"]?.lowercased() ?? ""
        if contentType.contains("application/json") {
            // Some servers ignore `stream: true` and answer with one JSON object.
            let bytes = try await response.body.collect(upTo: Self.jsonBodyLimit)
            let chunk = try decodeChunk(Data(bytes), url: endpoint.url, redactor: redactor, requestID: requestID)
            for event in accumulator.apply(chunk) { await onEvent(event) }
        } else {
            var parser = SSEParser()
            var sawDone = false
            reading: for try await bytes in response.body {
                try Task.checkCancellation()
                for event in parser.feed(bytes) {
                    if try await handle(event, into: &accumulator, url: endpoint.url, redactor: redactor, requestID: requestID, onEvent: onEvent) {
                        sawDone = true
                        break reading
                    }
                }
            }
            try Task.checkCancellation()
            if !sawDone {
                for event in parser.finish() {
                    if try await handle(event, into: &accumulator, url: endpoint.url, redactor: redactor, requestID: requestID, onEvent: onEvent) {
                        sawDone = true
                    }
                }
            }
            guard sawDone || accumulator.finishReason != nil else {
                throw ProviderError(
                    code: .streamEndedEarly,
                    message: "The stream from \(endpoint.url) ended before the answer was complete (no finish_reason and no [DONE]); the partial answer was discarded.",
                    requestID: requestID, url: endpoint.url)
            }
        }

        return ModelResponse(
            text: accumulator.text,
            reasoning: accumulator.reasoning.isEmpty ? nil : accumulator.reasoning,
            toolCalls: accumulator.toolCalls,
            usage: accumulator.usage,
            finishReason: accumulator.finishReason,
            model: accumulator.model,
            requestID: requestID,
            apiEndpoint: endpoint.apiEndpoint)
    }

    /// Applies one SSE event; returns `true` at the `[DONE]` marker.
    private func handle(
        _ event: SSEEvent, into accumulator: inout ChatCompletionsWire.Accumulator, url: String,
        redactor: SecretRedactor, requestID: String?, onEvent: @Sendable (ModelStreamEvent) async -> Void
    ) async throws -> Bool {
        let data = event.data.trimmingCharacters(in: .whitespaces)
        if data.isEmpty { return false }
        if data == "[DONE]" { return true }
        let chunk = try decodeChunk(Data(data.utf8), url: url, redactor: redactor, requestID: requestID)
        for fragment in accumulator.apply(chunk) { await onEvent(fragment) }
        return false
    }

    private func decodeChunk(_ data: Data, url: String, redactor: SecretRedactor, requestID: String?) throws -> ChatCompletionsWire.Chunk {
        let chunk: ChatCompletionsWire.Chunk
        do {
            chunk = try JSONDecoder().decode(ChatCompletionsWire.Chunk.self, from: data)
        } catch {
            let preview = redactor.scrub(String(decoding: data.prefix(200), as: UTF8.self))
            throw ProviderError(
                code: .malformedResponse, message: "The provider at \(url) sent a stream chunk that is not valid JSON: \(preview)",
                requestID: requestID, url: url)
        }
        if let error = chunk.error, error != .null {
            let message = error["message"]?.stringValue ?? error.stringValue ?? error.jsonString
            throw ProviderError(
                code: .streamError, message: "The provider at \(url) reported an error mid-stream: \(redactor.scrub(message))",
                requestID: requestID, providerErrorType: error["code"]?.stringValue ?? error["type"]?.stringValue, url: url)
        }
        return chunk
    }
}
