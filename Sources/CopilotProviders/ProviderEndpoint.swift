import Foundation

/// The URL and auth headers for one provider call, derived from a ``ProviderConfig``.
///
/// This is the one place that knows each provider family's URL layout and auth header.
package struct ProviderEndpoint: Sendable, Hashable {
    /// The full URL to call.
    package var url: String
    /// Auth, version and custom headers (the secrets are in here; never log them).
    package var headers: HeaderFields
    /// The API path reported in usage events (`/chat/completions`, `/responses`, `/v1/messages`).
    package var apiEndpoint: String

    /// Resolves the endpoint for a model call with `config` and wire `model`.
    ///
    /// - Parameter bearerToken: a token fetched for this request; wins over the config's credentials.
    /// - Throws: ``ProviderError`` with code `invalidConfiguration` for a missing or malformed base URL,
    ///   or settings the provider family cannot serve.
    package static func modelCall(
        config: ProviderConfig, model: String, bearerToken: String? = nil
    ) throws -> ProviderEndpoint {
        let base = try validatedBaseURL(config.displayBaseURL)
        let headers = authHeaders(config: config, bearerToken: bearerToken)
        if config.baseURLCredentials != nil, credential(config: config, bearerToken: bearerToken)?.name == "Authorization" {
            throw ProviderError(
                code: .invalidConfiguration,
                message: "The base URL carries a user and password (sent as HTTP Basic auth) and the provider also has a key or token (sent as a bearer token); both need the Authorization header. Keep one.")
        }
        let (url, apiEndpoint) = try config.family.modelCall(base: base, config: config, model: model)
        return ProviderEndpoint(url: url, headers: headers, apiEndpoint: apiEndpoint)
    }

    /// The headers every request to this provider carries: auth, version and the config's custom
    /// headers. A user and password in the base URL become HTTP Basic auth.
    package static func authHeaders(config: ProviderConfig, bearerToken: String? = nil) -> HeaderFields {
        var headers: HeaderFields = [:]
        if let custom = config.headers {
            for (name, value) in custom.sorted(by: { $0.key < $1.key }) { headers.add(name: name, value: value) }
        }
        if let (user, password) = config.baseURLCredentials {
            headers.replaceOrAdd(name: "Authorization", value: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
        }
        if let (name, value) = credential(config: config, bearerToken: bearerToken) {
            headers.replaceOrAdd(name: name, value: value)
        }
        for (name, value) in config.family.standardHeaders where headers[name] == nil {
            headers.add(name: name, value: value)
        }
        return headers
    }

    /// The header the request's credential travels in: a bearer token, else the key as the family sends it.
    private static func credential(config: ProviderConfig, bearerToken: String?) -> (name: String, value: String)? {
        if let token = bearerToken ?? nonEmpty(config.bearerToken) { return ("Authorization", "Bearer " + token) }
        return nonEmpty(config.apiKey).map(config.family.apiKeyHeader)
    }

    /// Checks that `baseURL` is an absolute http(s) URL and returns it without trailing slashes.
    package static func validatedBaseURL(_ baseURL: String) throws -> String {
        let trimmed = baseURL.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw ProviderError(
                code: .invalidConfiguration,
                message: "The provider has no base URL. Set baseURL, e.g. http://localhost:11434/v1 for Ollama.")
        }
        guard let parsed = URL(string: trimmed), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = parsed.host, !host.isEmpty
        else {
            throw ProviderError(
                code: .invalidConfiguration,
                message: "The provider base URL '\(trimmed)' is not an absolute http(s) URL; expected something like http://localhost:11434/v1.")
        }
        if parsed.query != nil || parsed.fragment != nil {
            // Not quoted whole: a query may hold a key (Gemini's documented `?key=`).
            let bare = trimmed.prefix { $0 != "?" && $0 != "#" }
            throw ProviderError(
                code: .invalidConfiguration,
                message: "The provider base URL '\(bare)' has a query or fragment; each request adds its path to the base URL, so it can have neither. Put a key in apiKey (also Gemini's `?key=`) and Azure's api-version in azure.apiVersion.")
        }
        if let problem = urlProblem(trimmed) {
            throw ProviderError(code: .invalidConfiguration, message: "The provider base URL '\(trimmed)' cannot be used: its \(problem).")
        }
        var result = trimmed
        while result.hasSuffix("/") { result.removeLast() }
        return result
    }

    /// Why an absolute URL cannot be connected to (a space or control character in it, a port
    /// outside 1...65535), or nil.
    package static func urlProblem(_ url: String) -> String? {
        if url.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            return "text has a space or a control character (percent-encode it)"
        }
        guard let parsed = URL(string: url) else { return "text is not a valid URL" }
        if let port = parsed.port, !(1...65535).contains(port) { return "port \(port) is not between 1 and 65535" }
        return nil
    }

    /// The host an HTTP request to `url` connects to, lower-cased and without IPv6 brackets, as the
    /// HTTP client reads it (`URL.host`; an international name is in its `xn--` form). Every check of
    /// "which host is this" (permission rules, redirects, `--allow-url`) uses this one reading, so a
    /// check and the connection can never disagree.
    package static func host(of url: String) -> String? {
        guard let host = URL(string: url)?.host, !host.isEmpty else { return nil }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return bare.lowercased()
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// `value` percent-encoded for one URL path segment or query value.
    package static func percentEncoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?&=#"))) ?? value
    }
}
