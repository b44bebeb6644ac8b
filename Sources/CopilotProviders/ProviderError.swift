/// A failure talking to a model provider.
///
/// The message says what happened and, where there is one, what to do about it. It never contains
/// an API key or bearer token.
public struct ProviderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; compare with the static members (`.connectionFailed`, …).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidConfiguration = "invalid_configuration"
            case connectionFailed = "connection_failed"
            case timeout
            case authenticationFailed = "authentication_failed"
            case rateLimited = "rate_limited"
            case requestRejected = "request_rejected"
            case serverError = "server_error"
            case streamEndedEarly = "stream_ended_early"
            case streamError = "stream_error"
            case malformedResponse = "malformed_response"
            case unsupported
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The provider configuration cannot work (no base URL, a malformed one, no model, …).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The provider could not be reached.
        public static let connectionFailed = Code(.connectionFailed)
        /// Connecting took too long, or the provider went silent mid-response.
        public static let timeout = Code(.timeout)
        /// The provider rejected the credentials (HTTP 401 or 403).
        public static let authenticationFailed = Code(.authenticationFailed)
        /// The provider asked us to slow down (HTTP 429).
        public static let rateLimited = Code(.rateLimited)
        /// The provider refused the request (another 4xx status).
        public static let requestRejected = Code(.requestRejected)
        /// The provider failed (5xx or 529).
        public static let serverError = Code(.serverError)
        /// The response stream stopped before the provider said it was complete.
        public static let streamEndedEarly = Code(.streamEndedEarly)
        /// The provider reported an error inside an otherwise successful stream.
        public static let streamError = Code(.streamError)
        /// The response could not be understood.
        public static let malformedResponse = Code(.malformedResponse)
        /// The configuration asks for something this version does not do.
        public static let unsupported = Code(.unsupported)

        /// A stable snake_case name, suitable for logs, metrics and `session.error` events.
        public var description: String { base.rawValue }
    }

    public var code: Code
    /// A readable explanation, with a hint when one helps.
    public var message: String
    /// The HTTP status, when the provider answered with one.
    public var statusCode: Int?
    /// The provider's request id (`x-request-id`, `request-id`, …) for support tickets.
    public var requestID: String?
    /// How long the provider asked us to wait before retrying, if it said.
    public var retryAfter: Duration?
    /// The provider's own error type or code (`invalid_api_key`, `rate_limit_exceeded`, …).
    public var providerErrorType: String?
    /// The URL that was called (never with credentials in it).
    public var url: String?
    /// The server's `x-should-retry` header, when it sent one.
    public var shouldRetryOverride: Bool?
    /// How many attempts were made before giving up.
    public var attempts: Int = 1

    public init(
        code: Code, message: String, statusCode: Int? = nil, requestID: String? = nil,
        retryAfter: Duration? = nil, providerErrorType: String? = nil, url: String? = nil
    ) {
        self.code = code
        self.message = message
        self.statusCode = statusCode
        self.requestID = requestID
        self.retryAfter = retryAfter
        self.providerErrorType = providerErrorType
        self.url = url
    }

    public var description: String { message }
}
