public import CopilotCore

/// A form the session asks the user to fill (`session.ui.elicitation`, or an MCP server's
/// `elicitation/create`).
public struct ElicitationRequest: Sendable, Hashable {
    /// The request's id, as the `elicitation.requested` event carries it.
    public var requestId: String
    public var message: String
    /// A JSON Schema object of flat properties (strings, numbers, booleans, enums).
    public var requestedSchema: JSONValue?
    /// `form`, or `url` (the user goes to ``url``).
    public var mode: String
    /// Who asks: an MCP server's name, or nil for the app's own question.
    public var source: String?
    public var url: String?
    public var toolCallId: String?

    public init(
        requestId: String, message: String, requestedSchema: JSONValue? = nil, mode: String = "form", source: String? = nil, url: String? = nil,
        toolCallId: String? = nil
    ) {
        self.requestId = requestId
        self.message = message
        self.requestedSchema = requestedSchema
        self.mode = mode
        self.source = source
        self.url = url
        self.toolCallId = toolCallId
    }
}

/// How the user answered a form.
public struct ElicitationResult: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable, CaseIterable {
        case accept, decline, cancel
    }

    public var action: Action
    /// The form's values, with ``Action/accept``.
    public var content: [String: JSONValue]?

    public init(action: Action, content: [String: JSONValue]? = nil) {
        self.action = action
        self.content = content
    }

    public static let decline = ElicitationResult(action: .decline)
    public static let cancel = ElicitationResult(action: .cancel)
}

/// Answers the session's forms (``SessionConfig/onElicitationRequest``): with one set, MCP servers'
/// `elicitation/create` requests reach the app and `CopilotSession.elicit` can ask its own questions.
public struct ElicitationHandler: Sendable {
    private let answer: @Sendable (ElicitationRequest) async throws -> ElicitationResult

    public init(_ answer: @escaping @Sendable (ElicitationRequest) async throws -> ElicitationResult) {
        self.answer = answer
    }

    public func callAsFunction(_ request: ElicitationRequest) async throws -> ElicitationResult {
        try await answer(request)
    }
}

/// No one answers the session's forms.
public struct ElicitationUnavailable: Error, CustomStringConvertible {
    public var description: String { "Elicitation is not supported: no handler answers this session's forms (onElicitationRequest)." }
    public init() {}
}
