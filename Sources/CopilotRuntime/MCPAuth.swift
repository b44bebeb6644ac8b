/// A remote MCP server asks for an OAuth access token (its `WWW-Authenticate` challenge).
public struct MCPAuthRequest: Sendable, Hashable {
    /// Why a token is wanted.
    public enum Reason: String, Sendable, Hashable {
        /// The server refused to work without one.
        case initial
        /// The token given before was refused (expired?).
        case refresh
        /// Refreshing did not help: sign in again.
        case reauth
        /// The token lacks a scope the call needs.
        case upscope
    }

    public var requestId: String
    public var serverName: String
    public var serverURL: String
    public var reason: Reason
    /// The challenge's parameters: `resourceMetadataUrl`, `scope`, `error`.
    public var challenge: [String: String]
    /// The server's protected-resource metadata (RFC 9728), as the JSON text it served.
    public var resourceMetadata: String?

    public init(
        requestId: String, serverName: String, serverURL: String, reason: Reason, challenge: [String: String] = [:], resourceMetadata: String? = nil
    ) {
        self.requestId = requestId
        self.serverName = serverName
        self.serverURL = serverURL
        self.reason = reason
        self.challenge = challenge
        self.resourceMetadata = resourceMetadata
    }
}

/// The app's answer to an ``MCPAuthRequest``: a token, or none.
public enum MCPAuthResult: Sendable, Hashable {
    /// Send `accessToken` as `Authorization: <tokenType> <accessToken>` (type `Bearer` when nil).
    case token(accessToken: String, tokenType: String? = nil)
    /// No token: the server stays `needs-auth` until asked again.
    case cancelled
}

/// Gets access tokens for remote MCP servers that ask for OAuth (``SessionConfig/onMcpAuthRequest``).
/// Tokens are secrets: the runtime keeps them in memory only, and never logs or stores them.
public struct MCPAuthHandler: Sendable {
    private let answer: @Sendable (MCPAuthRequest) async throws -> MCPAuthResult
    private let available: @Sendable () -> Bool

    public init(_ answer: @escaping @Sendable (MCPAuthRequest) async throws -> MCPAuthResult) {
        self.init(available: { true }, answer)
    }

    /// - Parameter available: whether someone can answer now (a server's clients may not have said so yet).
    package init(available: @escaping @Sendable () -> Bool, _ answer: @escaping @Sendable (MCPAuthRequest) async throws -> MCPAuthResult) {
        self.answer = answer
        self.available = available
    }

    public func callAsFunction(_ request: MCPAuthRequest) async throws -> MCPAuthResult {
        try await answer(request)
    }

    package var isAvailable: Bool { available() }
}
