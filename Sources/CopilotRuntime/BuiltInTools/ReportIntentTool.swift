import CopilotCore

extension BuiltInTool {
    /// Tell the user what the agent is doing (an `assistant.intent` event).
    public static let reportIntent = BuiltInTool(named: "report_intent")
}

/// `report_intent`: publishes `assistant.intent` for the app to show.
struct ReportIntentTool: BuiltInToolKind {
    let tool = BuiltInTool.reportIntent
    let summary = "Say in a few words what you are doing now, for the user to see (for example \"Reading the config\")."
    var parameters: JSONValue {
        Self.object(["intent": ["type": "string", "description": "A few words, in the present tense."]], required: ["intent"])
    }

    func run(_ arguments: BuiltInToolArguments, in context: BuiltInToolContext) async throws -> ToolRunOutput {
        let intent = try arguments.string("intent")
        await context.session.publish(.assistantIntent(.init(intent: intent)))
        return .success("Intent logged")
    }
}
