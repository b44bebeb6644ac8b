public import CopilotCore
package import CopilotProviders
import Foundation

/// A tool the model may call: a name, a description, a JSON Schema for its arguments and an async handler.
///
/// ```swift
/// let weather = Tool(
///     name: "get_weather", description: "Current weather for a city",
///     parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]
/// ) { (args: WeatherArgs, _) in
///     .success("18°C in \(args.city)")
/// }
/// ```
public struct Tool: Sendable {
    public var name: String
    public var description: String
    /// A JSON Schema for the arguments object.
    public var parameters: JSONValue
    /// When `true`, the permission handler is not asked before this tool runs.
    public var skipPermission: Bool
    /// Set to replace the built-in tool of the same name (a session refuses the clash otherwise).
    public var overridesBuiltInTool: Bool
    /// Runs the tool. A thrown error becomes a failed tool call that the model is told about.
    public var handler: @Sendable (ToolInvocation) async throws -> ToolResult

    /// A tool whose handler reads the raw JSON arguments.
    public init(
        name: String, description: String, parameters: JSONValue = ["type": "object", "properties": [:]],
        skipPermission: Bool = false, overridesBuiltInTool: Bool = false,
        handler: @escaping @Sendable (ToolInvocation) async throws -> ToolResult
    ) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.skipPermission = skipPermission
        self.overridesBuiltInTool = overridesBuiltInTool
        self.handler = handler
    }

    /// A tool whose arguments decode into `Arguments`.
    ///
    /// Arguments that do not decode never reach `handler`: the model gets a failed result saying
    /// what was wrong, so it can call again with better ones.
    public init<Arguments: Decodable & Sendable>(
        name: String, description: String, parameters: JSONValue, skipPermission: Bool = false, overridesBuiltInTool: Bool = false,
        handler: @escaping @Sendable (Arguments, ToolInvocation) async throws -> ToolResult
    ) {
        self.init(
            name: name, description: description, parameters: parameters, skipPermission: skipPermission,
            overridesBuiltInTool: overridesBuiltInTool
        ) { invocation in
            let arguments: Arguments
            do {
                arguments = try invocation.arguments.decode(as: Arguments.self)
            } catch {
                return .failure(
                    "Invalid arguments for tool `\(name)`: \(ToolArgumentsError.describe(error)). Call it again with arguments that match its JSON Schema.")
            }
            return try await handler(arguments, invocation)
        }
    }

    /// The declaration sent to the model.
    package var definition: ToolDefinition {
        ToolDefinition(name: name, description: description, parameters: parameters)
    }
}

/// What a tool handler is called with.
public struct ToolInvocation: Sendable, Hashable {
    public var sessionId: String
    public var toolCallId: String
    public var toolName: String
    /// The parsed arguments.
    public var arguments: JSONValue

    public init(sessionId: String, toolCallId: String, toolName: String, arguments: JSONValue) {
        self.sessionId = sessionId
        self.toolCallId = toolCallId
        self.toolName = toolName
        self.arguments = arguments
    }
}

/// What a tool call produced, as the official SDKs shape it.
public struct ToolResult: Sendable, Hashable, Codable, ExpressibleByStringInterpolation {
    /// How the call ended.
    public enum ResultType: String, Sendable, Hashable, Codable {
        /// It worked; the text goes to the model.
        case success
        /// It failed; the text goes to the model and the agent carries on.
        case failure
        /// The user refused; the turn ends.
        case rejected
        /// Policy refused; the text goes to the model and the agent carries on.
        case denied
    }

    /// The text the model sees.
    public var textResultForLlm: String
    public var resultType: ResultType
    /// An error description for events and logs (not shown to the model).
    public var error: String?

    public init(textResultForLlm: String, resultType: ResultType = .success, error: String? = nil) {
        self.textResultForLlm = textResultForLlm
        self.resultType = resultType
        self.error = error
    }

    public init(stringLiteral value: String) { self.init(textResultForLlm: value) }

    /// A successful result.
    public static func success(_ text: String) -> ToolResult { ToolResult(textResultForLlm: text) }
    /// A failed result; the model sees `text`.
    public static func failure(_ text: String) -> ToolResult { ToolResult(textResultForLlm: text, resultType: .failure, error: text) }
}

enum ToolArgumentsError {
    /// A short, model-readable account of a decoding failure.
    static func describe(_ error: any Error) -> String {
        guard let decodingError = error as? DecodingError else { return String(describing: error) }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the arguments" : "`" + keys.joined(separator: ".") + "`"
        }
        switch decodingError {
        case .keyNotFound(let key, let context):
            let parent = context.codingPath.isEmpty ? "" : " in \(path(context))"
            return "missing required field `\(key.stringValue)`\(parent)"
        case .typeMismatch(let type, let context):
            return "\(path(context)) should be of type \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context)) is null but should be of type \(type)"
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return String(describing: decodingError)
        }
    }
}
