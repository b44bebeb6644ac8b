public import CopilotProviders

/// What the agent wants to do, sent to the ``PermissionHandler`` before it does it.
///
/// Encodes as the official `permissionRequest` object (a union on `kind`).
public struct PermissionRequest: Sendable, Hashable, Codable {
    /// The kind of action.
    public struct Kind: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// Calling a tool the app defined.
        public static let customTool = Kind(rawValue: "custom-tool")
        /// Reading a file.
        public static let read = Kind(rawValue: "read")
        /// Creating or changing a file.
        public static let write = Kind(rawValue: "write")
        /// Running a shell command.
        public static let shell = Kind(rawValue: "shell")
        /// Fetching a URL.
        public static let url = Kind(rawValue: "url")
        /// Calling an MCP server's tool.
        public static let mcp = Kind(rawValue: "mcp")

        public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
        public var description: String { rawValue }
    }

    public var kind: Kind
    /// The tool call that needs the permission.
    public var toolCallId: String?
    public var toolName: String?
    public var toolDescription: String?
    /// The tool's arguments.
    public var args: JSONValue?
    /// Why the agent wants to do this, in words.
    public var intention: String?
    /// `read`: the path to read.
    public var path: String?
    /// `write`: the file to create or change, its diff, and its new contents.
    public var fileName: String?
    public var diff: String?
    public var newFileContents: String?
    /// `shell`: the command line.
    public var fullCommandText: String?
    public var commands: [JSONValue]?
    public var possiblePaths: [String]?
    public var possibleUrls: [String]?
    public var hasWriteFileRedirection: Bool?
    /// Whether "approve for the session" may be offered for this request.
    public var canOfferSessionApproval: Bool?
    /// Set when the path lies outside the session's working directory: approvals for the session
    /// never cover such requests.
    public var outsideWorkingDirectory: Bool?

    public init(
        kind: Kind, toolCallId: String? = nil, toolName: String? = nil, toolDescription: String? = nil,
        args: JSONValue? = nil, intention: String? = nil
    ) {
        self.kind = kind
        self.toolCallId = toolCallId
        self.toolName = toolName
        self.toolDescription = toolDescription
        self.args = args
        self.intention = intention
    }
}

/// The answer to a ``PermissionRequest``.
public struct PermissionDecision: Sendable, Hashable, Codable {
    /// The official decision kind: `approve-once`, `approve-for-session`, `reject`, `user-not-available`.
    public var kind: String
    /// For a rejection: words the model sees, so it can adjust.
    public var feedback: String?

    public init(kind: String, feedback: String? = nil) {
        self.kind = kind
        self.feedback = feedback
    }

    /// Allow this one action.
    public static let approveOnce = PermissionDecision(kind: "approve-once")
    /// Allow this action and the same tool for the rest of the session without asking again.
    public static let approveForSession = PermissionDecision(kind: "approve-for-session")
    /// Nobody could be asked; the action is denied and the agent carries on.
    public static let userNotAvailable = PermissionDecision(kind: "user-not-available")

    /// Refuse the action; the turn ends and `feedback` is shown to the model.
    public static func reject(feedback: String? = nil) -> PermissionDecision {
        PermissionDecision(kind: "reject", feedback: feedback)
    }

    /// Whether the action may proceed.
    public var isApproval: Bool { kind.hasPrefix("approve") }

    /// Whether a person said no (the turn ends), as opposed to nobody being available to ask.
    public var isRejection: Bool { kind == "reject" || kind == "denied-interactively-by-user" }
}

/// Context passed to a permission handler.
public struct PermissionInvocation: Sendable, Hashable {
    public var sessionId: String
    /// The id of the `permission.requested` event this call answers.
    public var requestId: String?
    public init(sessionId: String, requestId: String? = nil) {
        self.sessionId = sessionId
        self.requestId = requestId
    }
}

/// Decides whether the agent may do something: call a tool, write a file, run a command.
///
/// ```swift
/// let handler = PermissionHandler { request, _ in
///     request.kind == .read ? .approveOnce : .reject(feedback: "read-only session")
/// }
/// ```
public struct PermissionHandler: Sendable {
    private let decide: @Sendable (PermissionRequest, PermissionInvocation) async throws -> PermissionDecision

    /// A handler that runs `decide` for every request. If it throws, the action is denied and the agent carries on.
    public init(_ decide: @escaping @Sendable (PermissionRequest, PermissionInvocation) async throws -> PermissionDecision) {
        self.decide = decide
    }

    /// Asks the handler.
    public func callAsFunction(_ request: PermissionRequest, _ invocation: PermissionInvocation) async throws -> PermissionDecision {
        try await decide(request, invocation)
    }

    /// Approves everything, once at a time. For trusted tools and tests.
    public static let approveAll = PermissionHandler { _, _ in .approveOnce }

    /// Rejects everything.
    public static let rejectAll = PermissionHandler { _, _ in .reject(feedback: "All actions are denied in this session.") }
}
