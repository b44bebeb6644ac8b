public import CopilotCore
import CopilotProviders

/// The answer to a `PermissionRequest`.
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
