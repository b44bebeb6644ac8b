/// When and how long to wait before retrying a failed model call.
///
/// Retries 408, 409, 429, 5xx, 529, connection failures and streams that stopped early; never other
/// 4xx. The server's `retry-after-ms` / `retry-after` wins when it is within ``maxServerDelay``;
/// a longer hint fails at once, with the hint in the error. Otherwise the wait is
/// `min(initialDelay · 2ⁿ, maxDelay)` with up to 25% jitter. `x-should-retry` overrides the status rules.
public struct RetryPolicy: Sendable, Hashable {
    /// Retries after the first attempt (so `2` means up to three attempts).
    public var maxRetries: Int
    public var initialDelay: Duration
    public var maxDelay: Duration
    /// The longest server-requested wait that is honoured.
    public var maxServerDelay: Duration

    public init(maxRetries: Int = 2, initialDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(8), maxServerDelay: Duration = .seconds(60)) {
        self.maxRetries = maxRetries
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxServerDelay = maxServerDelay
    }

    /// Two retries, 0.5 s doubling to 8 s, server hints up to 60 s.
    public static let `default` = RetryPolicy()
    /// No retries.
    public static let none = RetryPolicy(maxRetries: 0)

    /// Whether `error` is worth another attempt (ignoring the attempt count).
    public func isRetryable(_ error: ProviderError) -> Bool {
        if let override = error.shouldRetryOverride { return override }
        if let status = error.statusCode {
            return status == 408 || status == 409 || status == 429 || status >= 500
        }
        // A stream event that cannot be read is a cut stream: the next attempt may well be whole.
        return error.code == .connectionFailed || error.code == .timeout || error.code == .streamEndedEarly
            || error.code == .malformedResponse
            || (error.code == .streamError && error.providerErrorType.map(Self.retryableStreamErrors.contains) == true)
    }

    /// Errors a provider reports inside a stream that the next attempt may not meet: overload and
    /// server trouble (Google's as status names), and a call the model wrote malformed.
    private static let retryableStreamErrors: Set<String> = [
        "overloaded_error", "server_error", "rate_limit_exceeded", "api_error", "INTERNAL", "UNAVAILABLE", "RESOURCE_EXHAUSTED",
        "MALFORMED_FUNCTION_CALL",
    ]

    /// The wait before retry number `retry` (0-based), or `nil` when the error must not be retried.
    ///
    /// - Parameters:
    ///   - retry: how many retries were made before this one.
    ///   - error: what the last attempt failed with.
    ///   - random: a value in `0..<1` for the jitter (injected so tests are exact).
    public func delay(before retry: Int, after error: ProviderError, random: Double) -> Duration? {
        guard retry < maxRetries, isRetryable(error) else { return nil }
        if let hint = error.retryAfter, hint > .zero {
            return hint <= maxServerDelay ? hint : nil
        }
        var base = initialDelay
        for _ in 0..<retry {
            base = base * 2
            if base >= maxDelay { break }
        }
        base = min(base, maxDelay)
        return base * (1 - 0.25 * random)
    }
}
