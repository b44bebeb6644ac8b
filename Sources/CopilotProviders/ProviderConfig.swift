/// Where and how a session reaches its model: the BYOK ("bring your own key") settings.
///
/// Encodes to the official SDKs' JSON (`type`, `baseUrl`, `apiKey`, `bearerToken`, `wireApi`,
/// `azure.apiVersion`, `headers`). Its `description` redacts every secret.
public struct ProviderConfig: Sendable, Hashable, Codable {
    /// The provider family, which decides URL layout and auth headers.
    public enum ProviderType: String, Sendable, Hashable, Codable, CaseIterable {
        /// OpenAI or any OpenAI-compatible server (Ollama, vLLM, LiteLLM, Foundry Local, llama.cpp).
        case openai
        /// Azure OpenAI: `baseURL` is the resource host only.
        case azure
        /// Anthropic's Messages API.
        case anthropic
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
    /// Azure, `https://api.anthropic.com` for Anthropic.
    public var baseURL: String
    /// An API key; optional for local servers.
    public var apiKey: String?
    /// A bearer token, sent as `Authorization: Bearer`; wins over ``apiKey``.
    public var bearerToken: String?
    /// The OpenAI wire format; `nil` means ``WireAPI/completions``.
    public var wireAPI: WireAPI?
    /// Azure settings.
    public var azure: Azure?
    /// Extra headers sent with every provider request.
    public var headers: [String: String]?

    public init(
        type: ProviderType? = .openai,
        baseURL: String,
        wireAPI: WireAPI? = nil,
        apiKey: String? = nil,
        bearerToken: String? = nil,
        azure: Azure? = nil,
        headers: [String: String]? = nil
    ) {
        self.type = type
        self.baseURL = baseURL
        self.wireAPI = wireAPI
        self.apiKey = apiKey
        self.bearerToken = bearerToken
        self.azure = azure
        self.headers = headers
    }

    /// The provider family with the default applied.
    public var resolvedType: ProviderType { type ?? .openai }
    /// The wire format with the default applied.
    public var resolvedWireAPI: WireAPI { wireAPI ?? .completions }

    private enum CodingKeys: String, CodingKey {
        case type, baseURL = "baseUrl", apiKey, bearerToken, wireAPI = "wireApi", azure, headers
    }
}

extension ProviderConfig: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        var parts = ["type: \(resolvedType.rawValue)", "baseURL: \(baseURL)", "wireAPI: \(resolvedWireAPI.rawValue)"]
        if apiKey != nil { parts.append("apiKey: <redacted>") }
        if bearerToken != nil { parts.append("bearerToken: <redacted>") }
        if let version = azure?.apiVersion { parts.append("azure.apiVersion: \(version)") }
        if let headers, !headers.isEmpty { parts.append("headers: [\(headers.keys.sorted().joined(separator: ", "))]") }
        return "ProviderConfig(\(parts.joined(separator: ", ")))"
    }

    public var debugDescription: String { description }
}
