public import CopilotProviders

/// An error from the Copilot SDK itself (configuration, sessions, waiting), as opposed to a provider.
///
/// Provider failures reach you as the ``underlying`` `ProviderError` of a `sessionError`, or
/// directly as `ProviderError` where a provider is called synchronously.
public struct CopilotError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; compare with the static members.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidConfiguration = "invalid_configuration"
            case sessionError = "session_error"
            case aborted
            case timeout
            case turnLimitExceeded = "turn_limit_exceeded"
            case sessionClosed = "session_closed"
            case clientStopped = "client_stopped"
            case unsupported
            case invalidInput = "invalid_input"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The session or client configuration cannot work.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The session reported a `session.error` while you waited for its answer.
        public static let sessionError = Code(.sessionError)
        /// Processing was aborted before the answer was complete.
        public static let aborted = Code(.aborted)
        /// Waiting took longer than the timeout you gave.
        public static let timeout = Code(.timeout)
        /// The agent made more model calls than `SessionConfig.maxTurns` allows.
        public static let turnLimitExceeded = Code(.turnLimitExceeded)
        /// The session was disconnected.
        public static let sessionClosed = Code(.sessionClosed)
        /// The client was stopped.
        public static let clientStopped = Code(.clientStopped)
        /// This version cannot do what was asked.
        public static let unsupported = Code(.unsupported)
        /// A message cannot be sent as given (an unreadable attachment, images for a model without vision).
        public static let invalidInput = Code(.invalidInput)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// A readable explanation, with what to do about it.
    public var message: String
    /// The provider failure behind this error, if there was one.
    public var underlying: ProviderError?

    public init(code: Code, message: String, underlying: ProviderError? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { message }
}
