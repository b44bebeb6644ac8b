/// The `llmInference.*` messages: a client that registered with `llmInference.setProvider` carries
/// the runtime's model HTTP requests itself. The runtime sends each request's head
/// (`httpRequestStart`) and body (`httpRequestChunk`); the client answers with the response head
/// (`httpResponseStart`) and body (`httpResponseChunk`), addressed by the runtime's `requestId`.

/// Header fields with every value of each name (`{"accept": ["text/event-stream"]}`).
package typealias MultiValueHeaders = [String: [String]]

package struct InferenceSetProviderResult: Codable, Sendable, Hashable {
    package var success: Bool
    package init(success: Bool) { self.success = success }
}

/// The head of one model request, runtime → client.
package struct InferenceRequestStartParams: Codable, Sendable, Hashable {
    package var requestId: String
    package var method: String
    package var url: String
    package var headers: MultiValueHeaders
    /// The session the request is for; absent outside any session.
    package var sessionId: String?
    /// `http` (plain HTTP and server-sent events); `websocket` is never sent by this runtime.
    package var transport: String?
    /// What kind of model call this is (`conversation-agent`, `conversation-compaction`, …).
    package var interactionType: String?
    /// The agent the call is for, and the one that started it (for a sub-agent).
    package var agentId: String?
    package var parentAgentId: String?

    package init(
        requestId: String, method: String, url: String, headers: MultiValueHeaders, sessionId: String?, transport: String? = "http",
        interactionType: String? = nil, agentId: String? = nil, parentAgentId: String? = nil
    ) {
        self.agentId = agentId
        self.parentAgentId = parentAgentId
        self.requestId = requestId
        self.method = method
        self.url = url
        self.headers = headers
        self.sessionId = sessionId
        self.transport = transport
        self.interactionType = interactionType
    }
}

/// Part of a request body, or the runtime giving the request up (`cancel`), runtime → client.
package struct InferenceRequestChunkParams: Codable, Sendable, Hashable {
    package var requestId: String
    /// UTF-8 text, or base64 when `binary` is true.
    package var data: String
    package var binary: Bool?
    package var end: Bool?
    package var cancel: Bool?
    package var cancelReason: String?

    package init(requestId: String, data: String, binary: Bool? = nil, end: Bool? = nil, cancel: Bool? = nil, cancelReason: String? = nil) {
        self.requestId = requestId
        self.data = data
        self.binary = binary
        self.end = end
        self.cancel = cancel
        self.cancelReason = cancelReason
    }
}

/// The head of the response to one model request, client → runtime.
package struct InferenceResponseStartParams: Codable, Sendable, Hashable {
    package var requestId: String
    package var status: Int
    package var statusText: String?
    package var headers: MultiValueHeaders
    package init(requestId: String, status: Int, statusText: String? = nil, headers: MultiValueHeaders = [:]) {
        self.requestId = requestId
        self.status = status
        self.statusText = statusText
        self.headers = headers
    }
}

/// Part of a response body, its end, or a transport failure (`error`, which also ends it),
/// client → runtime.
package struct InferenceResponseChunkParams: Codable, Sendable, Hashable {
    package var requestId: String
    /// UTF-8 text, or base64 when `binary` is true.
    package var data: String
    package var binary: Bool?
    package var end: Bool?
    package var error: Failure?

    /// `{message, code?}`.
    package struct Failure: Codable, Sendable, Hashable {
        package var message: String
        package var code: String?
        package init(message: String, code: String? = nil) {
            self.message = message
            self.code = code
        }
    }

    package init(requestId: String, data: String, binary: Bool? = nil, end: Bool? = nil, error: Failure? = nil) {
        self.requestId = requestId
        self.data = data
        self.binary = binary
        self.end = end
        self.error = error
    }
}

/// Whether the runtime had a request with that id in flight.
package struct InferenceAcceptedResult: Codable, Sendable, Hashable {
    package var accepted: Bool
    package init(accepted: Bool) { self.accepted = accepted }
}
