import Foundation
/// Where and how a session reaches its model: the BYOK ("bring your own key") settings.
///
/// Encodes to the official SDKs' JSON (`type`, `baseUrl`, `apiKey`, `bearerToken`, `wireApi`,
/// `azure.apiVersion`, `headers`). Its `description` redacts every secret.
public struct ProviderConfig: Sendable, Hashable, Codable {
    /// The provider family, which decides the wire format, URL layout, auth headers and model listing.
    ///
    /// An open set of names, like ``ProviderError/Code``: compare with the static members
    /// (`.openai`, `.azure`, `.anthropic`, `.gemini`), and give a `switch` a `default`, since a
    /// later version may speak another provider. ``allCases`` lists the ones this version speaks.
    public struct ProviderType: RawRepresentable, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// The name, as written in configuration and on the wire (`"openai"`, `"gemini"`, …).
        public let rawValue: String

        /// A type for a family this package defines; only the families' files call it.
        init(family name: String) { rawValue = name }

        public var description: String { rawValue }

        public init(from decoder: any Swift.Decoder) throws {
            let container = try decoder.singleValueContainer()
            let name = try container.decode(String.self)
            guard let type = Self(rawValue: name) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "Provider type `\(name)` is not one of \(Self.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            self = type
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    /// The OpenAI wire format to speak.
    public enum WireAPI: String, Sendable, Hashable, Codable, CaseIterable {
        /// Chat Completions, `POST {baseURL}/chat/completions` (the default).
        case completions
        /// The Responses API, `POST {baseURL}/responses`.
        case responses
    }

    /// Azure-only settings.
    public struct Azure: Sendable, Hashable, Codable {
        /// With a version, the dated deployment routes are used; without one, the versionless `/openai/v1/` routes.
        public var apiVersion: String?
        public init(apiVersion: String? = nil) { self.apiVersion = apiVersion }
    }

    /// The provider family; `nil` means ``ProviderType/openai``.
    public var type: ProviderType?
    /// The endpoint: the full prefix including `/v1` for OpenAI-compatible servers, the host for
    /// Azure, `https://api.anthropic.com` for Anthropic, `https://generativelanguage.googleapis.com`
    /// for Gemini (which gets `/v1beta` unless the URL names a version).
    public var baseURL: String
    /// An API key; optional for local servers.
    public var apiKey: String?
    /// A bearer token, sent as `Authorization: Bearer`; wins over ``apiKey``.
    public var bearerToken: String?
    /// The OpenAI wire format; `nil` means ``WireAPI/completions``.
    public var wireAPI: WireAPI?
    /// Azure settings.
    public var azure: Azure?
    /// Extra headers sent with every provider request. Their values are treated as secrets: they
    /// never appear in errors, logs, events or stored files.
    public var headers: [String: String]?
    /// Asked for a fresh bearer token before every request (Entra ID, managed identity); wins over
    /// ``bearerToken`` and ``apiKey``. Not encoded: the official JSON only says `hasBearerTokenProvider`.
    public var bearerTokenProvider: BearerTokenProvider?
    /// The model name sent on the wire, when it differs from the session's model (the official
    /// `wireModel`: the session's model still decides capabilities and what events report).
    public var wireModel: String?
    /// Whether requests ask the provider to cache their stable prefix: Anthropic `cache_control`
    /// breakpoints on the tool list, the system prompt and the conversation; OpenAI a
    /// `prompt_cache_key` per session (the prefix itself is sent byte for byte the same every
    /// turn either way). `nil` (the default) caches with Anthropic and with OpenAI's own API
    /// (`api.openai.com`), where these fields are known; other OpenAI-compatible servers may
    /// refuse an unknown field, so set `true` for one that takes `prompt_cache_key`. Encoded as
    /// `promptCaching` only when set (this runtime's own field; the official JSON has none).
    public var promptCaching: Bool?

    public init(
        type: ProviderType? = .openai,
        baseURL: String,
        wireAPI: WireAPI? = nil,
        apiKey: String? = nil,
        bearerToken: String? = nil,
        azure: Azure? = nil,
        headers: [String: String]? = nil,
        bearerTokenProvider: BearerTokenProvider? = nil,
        wireModel: String? = nil
    ) {
        self.type = type
        self.baseURL = baseURL
        self.wireAPI = wireAPI
        self.apiKey = apiKey
        self.bearerToken = bearerToken
        self.azure = azure
        self.headers = headers
        self.bearerTokenProvider = bearerTokenProvider
        self.wireModel = wireModel
    }

    /// The provider family with the default applied.
    public var resolvedType: ProviderType { type ?? .openai }
    /// The wire format with the default applied.
    public var resolvedWireAPI: WireAPI { wireAPI ?? .completions }
    /// ``promptCaching`` with its default applied.
    public var cachesPrompts: Bool {
        promptCaching ?? family.cachesPromptsByDefault(self)
    }

    private enum CodingKeys: String, CodingKey {
        case type, baseURL = "baseUrl", apiKey, bearerToken, wireAPI = "wireApi", azure, headers, hasBearerTokenProvider, wireModel
        case promptCaching
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decodeIfPresent(ProviderType.self, forKey: .type)
        baseURL = try container.decodeIfPresent(String.self, forKey: .baseURL) ?? ""
        apiKey = try container.decodeIfPresent(String.self, forKey: .apiKey)
        bearerToken = try container.decodeIfPresent(String.self, forKey: .bearerToken)
        wireAPI = try container.decodeIfPresent(WireAPI.self, forKey: .wireAPI)
        azure = try container.decodeIfPresent(Azure.self, forKey: .azure)
        headers = try container.decodeIfPresent([String: String].self, forKey: .headers)
        wireModel = try container.decodeIfPresent(String.self, forKey: .wireModel)
        promptCaching = try container.decodeIfPresent(Bool.self, forKey: .promptCaching)
        bearerTokenProvider = nil
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(type, forKey: .type)
        try container.encode(baseURL, forKey: .baseURL)
        try container.encodeIfPresent(apiKey, forKey: .apiKey)
        try container.encodeIfPresent(bearerToken, forKey: .bearerToken)
        try container.encodeIfPresent(wireAPI, forKey: .wireAPI)
        try container.encodeIfPresent(azure, forKey: .azure)
        try container.encodeIfPresent(headers, forKey: .headers)
        try container.encodeIfPresent(wireModel, forKey: .wireModel)
        try container.encodeIfPresent(promptCaching, forKey: .promptCaching)
        if bearerTokenProvider != nil { try container.encode(true, forKey: .hasBearerTokenProvider) }
    }
}

/// An async source of bearer tokens, asked before every provider request.
///
/// ```swift
/// let tokens = BearerTokenProvider { try await credential.token(scope: "https://cognitiveservices.azure.com/.default") }
/// ```
/// Two providers are equal only if they are the same instance.
public struct BearerTokenProvider: Sendable, Hashable {
    private final class Box: Sendable {
        let fetch: @Sendable () async throws -> String
        init(_ fetch: @escaping @Sendable () async throws -> String) { self.fetch = fetch }
    }

    private let box: Box

    public init(_ fetch: @escaping @Sendable () async throws -> String) { box = Box(fetch) }

    /// Fetches a token. Called once per provider request; cache inside if tokens are expensive.
    public func token() async throws -> String { try await box.fetch() }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.box === rhs.box }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(box)) }
}

extension ProviderConfig {
    /// ``baseURL`` without its user-info (`user:password@`): what errors, logs, descriptions and
    /// stored metadata show. Credentials in a base URL are sent as HTTP Basic auth, never in a URL.
    public var displayBaseURL: String {
        guard var components = URLComponents(string: baseURL), components.user != nil || components.password != nil else { return baseURL }
        components.user = nil
        components.password = nil
        return components.string ?? baseURL
    }

    /// The user and password in ``baseURL`` (percent-decoded), when it has them.
    var baseURLCredentials: (user: String, password: String)? {
        guard let components = URLComponents(string: baseURL), components.user != nil || components.password != nil else { return nil }
        return (components.user ?? "", components.password ?? "")
    }
}

extension ProviderConfig: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        var parts = ["type: \(resolvedType.rawValue)", "baseURL: \(displayBaseURL)", "wireAPI: \(resolvedWireAPI.rawValue)"]
        if apiKey != nil { parts.append("apiKey: <redacted>") }
        if bearerToken != nil { parts.append("bearerToken: <redacted>") }
        if bearerTokenProvider != nil { parts.append("bearerTokenProvider: <set>") }
        if let version = azure?.apiVersion { parts.append("azure.apiVersion: \(version)") }
        if let headers, !headers.isEmpty { parts.append("headers: [\(headers.keys.sorted().joined(separator: ", "))]") }
        return "ProviderConfig(\(parts.joined(separator: ", ")))"
    }

    public var debugDescription: String { description }
}

extension ProviderConfig: CustomReflectable {
    /// Mirrors only the non-secret fields, so `dump(config)` cannot print a key.
    public var customMirror: Mirror {
        Mirror(self, children: ["type": resolvedType, "baseURL": displayBaseURL, "wireAPI": resolvedWireAPI, "description": description])
    }
}
