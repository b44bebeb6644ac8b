import CopilotCore
import Foundation

extension ProviderError {
    /// Builds the error for a non-2xx provider response, reading the provider's own message, request id
    /// and retry hint from the body and headers.
    ///
    /// - Parameters:
    ///   - providerName: how to name the provider in the message ("OpenAI-compatible provider", …).
    ///   - redactor: scrubs credentials the provider may have echoed back.
    package static func fromHTTPResponse(
        status: Int, headers: HeaderFields, body: [UInt8], url: String, redactor: SecretRedactor
    ) -> ProviderError {
        var detail = redactor.scrub(providerMessage(from: body))
        while detail.hasSuffix(".") { detail.removeLast() }
        let errorType = providerErrorType(from: body)
        let requestID = Self.requestID(in: headers)
        let retryAfter = Self.retryAfter(in: headers) ?? Self.retryDelay(in: body)
        let suffix = detail.isEmpty ? "" : ": \(detail)"
        let code: Code
        let message: String
        switch status {
        case 400 where googleReasons(in: body).contains("API_KEY_INVALID"), 401, 403:
            code = .authenticationFailed
            message = "The provider at \(url) rejected the credentials (HTTP \(status))\(suffix). Check the API key or bearer token you configured."
        case 404:
            code = .requestRejected
            message = "The provider at \(url) answered HTTP 404\(suffix). Check the base URL, the provider type and the model or deployment name."
        case 429:
            code = .rateLimited
            message = "The provider at \(url) is rate limiting requests (HTTP 429)\(suffix)."
        case 408, 409:
            code = .serverError
            message = "The provider at \(url) answered HTTP \(status)\(suffix)."
        case 400..<500:
            code = .requestRejected
            message = "The provider at \(url) rejected the request (HTTP \(status))\(suffix)."
        default:
            code = .serverError
            message = "The provider at \(url) failed (HTTP \(status))\(suffix)."
        }
        var error = ProviderError(
            code: code, message: message, statusCode: status, requestID: requestID, retryAfter: retryAfter,
            providerErrorType: errorType, url: url)
        switch headers["x-should-retry"]?.lowercased() {
        case "true": error.shouldRetryOverride = true
        case "false": error.shouldRetryOverride = false
        default: break
        }
        return error
    }

    /// The provider's request id, from whichever header this provider family uses.
    package static func requestID(in headers: HeaderFields) -> String? {
        headers["x-request-id"] ?? headers["request-id"] ?? headers["apim-request-id"] ?? headers["x-ms-request-id"]
    }

    /// The server's retry hint: `retry-after-ms` first, then `retry-after` in seconds.
    package static func retryAfter(in headers: HeaderFields) -> Duration? {
        if let text = headers["retry-after-ms"], let milliseconds = Double(text.trimmingCharacters(in: .whitespaces)) {
            return retryHint(seconds: milliseconds / 1000)
        }
        if let text = headers["retry-after"], let seconds = Double(text.trimmingCharacters(in: .whitespaces)) {
            return retryHint(seconds: seconds)
        }
        return nil
    }

    /// A wait a provider asked for, in seconds, as a duration: nil unless finite and not negative,
    /// and at most a day (a longer one is no wait a client keeps; the number cannot overflow).
    static func retryHint(seconds: Double) -> Duration? {
        guard seconds.isFinite, seconds >= 0 else { return nil }
        return .milliseconds(min(seconds, 86_400) * 1000)
    }

    /// The retry hint Google's APIs put in the error body instead of a header: a
    /// `google.rpc.RetryInfo` detail with `retryDelay` in seconds (`"30s"`, `"1.5s"`).
    static func retryDelay(in body: [UInt8]) -> Duration? {
        guard !body.isEmpty, let details = (try? JSONValue(parsing: Data(body)))?["error"]?["details"]?.arrayValue else { return nil }
        for detail in details where detail["@type"]?.stringValue?.hasSuffix("google.rpc.RetryInfo") == true {
            guard let text = detail["retryDelay"]?.stringValue, text.hasSuffix("s"), let seconds = Double(text.dropLast()),
                let hint = retryHint(seconds: seconds)
            else { continue }
            return hint
        }
        return nil
    }

    /// The `reason`s of the `google.rpc.ErrorInfo` details in a Google error body (Gemini answers a bad
    /// key with HTTP 400 and the reason `API_KEY_INVALID`).
    static func googleReasons(in body: [UInt8]) -> [String] {
        guard !body.isEmpty, let details = (try? JSONValue(parsing: Data(body)))?["error"]?["details"]?.arrayValue else { return [] }
        return details.compactMap { $0["reason"]?.stringValue }
    }

    /// The human-readable message inside an error body, whatever shape the provider used.
    static func providerMessage(from body: [UInt8]) -> String {
        guard !body.isEmpty else { return "" }
        if let json = try? JSONValue(parsing: Data(body)) {
            if let message = json["error"]?["message"]?.stringValue { return message }
            if let message = json["error"]?.stringValue { return message }
            if let message = json["detail"]?.stringValue { return message }
            if let message = json["message"]?.stringValue { return message }
            if let message = json["detail"]?.jsonString { return message }
        }
        let text = String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text
    }

    static func providerErrorType(from body: [UInt8]) -> String? {
        guard let json = try? JSONValue(parsing: Data(body)) else { return nil }
        if let code = json["error"]?["code"]?.stringValue { return code }
        if let type = json["error"]?["type"]?.stringValue { return type }
        // Google's APIs: a numeric code and a status name (`RESOURCE_EXHAUSTED`).
        if let status = json["error"]?["status"]?.stringValue { return status }
        return json["type"]?.stringValue == "error" ? nil : json["code"]?.stringValue
    }
}
