import CopilotCore
package import CopilotProviders

/// A question the agent asks the user through the built-in `ask_user` tool.
public struct UserInputRequest: Sendable, Hashable, Codable {
    public var question: String
    /// Answers to pick from, if the model offered some.
    public var choices: [String]?
    /// Whether an answer outside `choices` is acceptable.
    public var allowFreeform: Bool
    /// The tool call that asked.
    public var toolCallId: String?

    public init(question: String, choices: [String]? = nil, allowFreeform: Bool = true, toolCallId: String? = nil) {
        self.question = question
        self.choices = choices
        self.allowFreeform = allowFreeform
        self.toolCallId = toolCallId
    }
}

/// The user's answer.
public struct UserInputResponse: Sendable, Hashable, Codable {
    public var answer: String
    /// `true` when the answer was typed rather than picked from the choices.
    public var wasFreeform: Bool

    public init(answer: String, wasFreeform: Bool = true) {
        self.answer = answer
        self.wasFreeform = wasFreeform
    }
}

/// Answers the agent's questions. Setting one offers the model the `ask_user` tool.
public struct UserInputHandler: Sendable {
    private let answer: @Sendable (UserInputRequest) async throws -> UserInputResponse

    public init(_ answer: @escaping @Sendable (UserInputRequest) async throws -> UserInputResponse) {
        self.answer = answer
    }

    public func callAsFunction(_ request: UserInputRequest) async throws -> UserInputResponse {
        try await answer(request)
    }

    /// The built-in tool's name.
    public static let toolName = "ask_user"

    /// How `ask_user` is declared to the model.
    package static let toolDefinition = ToolDefinition(
        name: toolName,
        description: "Ask the user a question and wait for the answer. Use it when you need a decision or information that only the user has. Offer choices when there are a few obvious answers.",
        parameters: [
            "type": "object",
            "properties": [
                "question": ["type": "string", "description": "The question to ask."],
                "choices": ["type": "array", "items": ["type": "string"], "description": "Optional answers to pick from."],
                "allow_freeform": ["type": "boolean", "description": "Whether the user may answer outside the choices (default true)."],
            ],
            "required": ["question"],
        ])
}
