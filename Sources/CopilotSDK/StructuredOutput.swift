public import CopilotCore
import CopilotProtocol
import CopilotRuntime

/// A type the model can answer with: its JSON Schema, which the answer is held to and checked
/// against, then decoded from.
///
/// ```swift
/// struct Forecast: StructuredOutput {
///     var city: String
///     var celsius: Double
///     static let jsonSchema: JSONValue = [
///         "type": "object", "additionalProperties": false, "required": ["city", "celsius"],
///         "properties": ["city": ["type": "string"], "celsius": ["type": "number"]],
///     ]
/// }
/// let forecast = try await session.sendAndWait("The weather in Oslo?", returning: Forecast.self)
/// ```
///
/// The schema is written out, not derived: a macro would need swift-syntax (minutes of build time
/// for every app), and reflection cannot see optionality or constraints. Keep it in step with the
/// properties; a mismatch shows as a decoding error naming the field.
public protocol StructuredOutput: Decodable {
    /// The JSON Schema of the answer: an object schema, with `additionalProperties: false` and
    /// every property `required` when providers should hold the model to it strictly.
    static var jsonSchema: JSONValue { get }
    /// The schema's name on the wire: 1–64 letters, digits, `_` and `-`. By default the type's name.
    static var schemaName: String { get }
}

extension StructuredOutput {
    public static var schemaName: String {
        let name = String(describing: Self.self).filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        return name.isEmpty ? "answer" : String(name.prefix(64))
    }
}

extension CopilotSession {
    /// Sends a prompt, waits for the answer in `type`'s JSON Schema and decodes it. The schema goes
    /// to the provider the way its wire asks (Chat Completions `response_format`, Responses
    /// `text.format`, Anthropic `output_format`, Gemini `responseJsonSchema`); an answer that does not match is asked for once
    /// more with what was wrong (a `session.warning` says so), then the message fails.
    ///
    /// - Throws: `CopilotError` `sessionError` when the answer does not match the schema (after the
    ///   second try) or does not decode as `type`, and as ``sendAndWait(_:timeout:)-(MessageOptions,_)`` does.
    public func sendAndWait<Answer: StructuredOutput>(
        _ options: MessageOptions, returning type: Answer.Type, timeout: Duration = .seconds(60)
    ) async throws -> Answer {
        var options = options
        options.responseFormat = ResponseFormat(name: Answer.schemaName, schema: Answer.jsonSchema)
        let message = try await sendAndWait(options, timeout: timeout)
        do {
            return try JSONValue(parsing: StructuredAnswer.json(in: message.content)).decode(as: Answer.self)
        } catch let error as DecodingError {
            throw CopilotError(code: .sessionError, message: "The answer does not decode as \(Answer.self): \(RPCError.describe(error, root: "answer"))")
        } catch {
            throw CopilotError(code: .sessionError, message: "The answer does not decode as \(Answer.self): \(error)")
        }
    }

    /// Sends a prompt and decodes the answer as `type`; see ``sendAndWait(_:returning:timeout:)-(MessageOptions,_,_)``.
    public func sendAndWait<Answer: StructuredOutput>(
        _ prompt: String, returning type: Answer.Type, timeout: Duration = .seconds(60)
    ) async throws -> Answer {
        try await sendAndWait(MessageOptions(prompt: prompt), returning: type, timeout: timeout)
    }
}
