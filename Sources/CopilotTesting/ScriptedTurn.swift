public import CopilotCore
public import CopilotProviders
import Foundation

/// One scripted answer of a model: text, reasoning, tool calls or a failure, plus how to deliver it.
///
/// The turn is wire-neutral: ``events(for:model:)`` renders it as Chat Completions, Responses or Anthropic Messages.
public struct ScriptedTurn: Sendable, Hashable {
    /// The visible answer.
    public var text: String
    /// Reasoning streamed before the text (as `reasoning_content` deltas).
    public var reasoning: String?
    /// Tool calls the model makes.
    public var toolCalls: [ToolCall]
    /// Token counts reported in the final usage chunk.
    public var usage: TokenUsage
    /// Overrides the finish reason (`tool_calls` or `stop` by default).
    public var finishReason: String?
    /// An HTTP error to answer with instead of a stream.
    public var failure: Failure?
    /// How the stream is cut into writes, and how it ends.
    public var delivery: Delivery
    /// Bytes to send verbatim as the stream body instead of rendering the turn (for replaying a
    /// recorded stream, or a pre-rendered one in benchmarks).
    public var recordedBody: [UInt8]?

    /// An HTTP error reply.
    public struct Failure: Sendable, Hashable {
        public var status: Int
        public var message: String
        /// The provider's error type (`rate_limit_error`, `invalid_api_key`, …).
        public var type: String
        public var headers: [String: String]
        public init(status: Int, message: String, type: String = "server_error", headers: [String: String] = [:]) {
            self.status = status
            self.message = message
            self.type = type
            self.headers = headers
        }
    }

    /// How the rendered stream reaches the client.
    public struct Delivery: Sendable, Hashable {
        /// Bytes per write; `nil` writes one SSE event per write.
        public var chunkSize: Int?
        /// Pause between writes.
        public var delay: Duration
        /// Stop after this many SSE events, without the terminal marker, then end the response.
        public var truncateAfterEvents: Int?
        /// Wait this long before the first byte (to test aborts and idle timeouts).
        public var initialDelay: Duration

        public init(chunkSize: Int? = nil, delay: Duration = .zero, truncateAfterEvents: Int? = nil, initialDelay: Duration = .zero) {
            self.chunkSize = chunkSize
            self.delay = delay
            self.truncateAfterEvents = truncateAfterEvents
            self.initialDelay = initialDelay
        }

        /// One event per write, no pauses.
        public static let `default` = Delivery()
    }

    public init(
        text: String = "", reasoning: String? = nil, toolCalls: [ToolCall] = [],
        usage: TokenUsage = TokenUsage(inputTokens: 10, outputTokens: 5), finishReason: String? = nil,
        failure: Failure? = nil, delivery: Delivery = .default
    ) {
        self.text = text
        self.reasoning = reasoning
        self.toolCalls = toolCalls
        self.usage = usage
        self.finishReason = finishReason
        self.failure = failure
        self.delivery = delivery
        self.recordedBody = nil
    }

    /// A turn that replays `body` (SSE bytes) as it is.
    public static func recorded(_ body: [UInt8], delivery: Delivery = .init(chunkSize: 16 * 1024)) -> ScriptedTurn {
        var turn = ScriptedTurn(delivery: delivery)
        turn.recordedBody = body
        return turn
    }

    /// A plain text answer.
    public static func text(_ text: String, reasoning: String? = nil, delivery: Delivery = .default) -> ScriptedTurn {
        ScriptedTurn(text: text, reasoning: reasoning, delivery: delivery)
    }

    /// An answer that calls tools; each pair is a tool name and its JSON arguments.
    public static func toolCalls(_ calls: [(name: String, arguments: String)], text: String = "", delivery: Delivery = .default) -> ScriptedTurn {
        ScriptedTurn(
            text: text,
            toolCalls: calls.enumerated().map { ToolCall(id: "call_\($0.offset + 1)_\($0.element.name)", name: $0.element.name, arguments: $0.element.arguments) },
            delivery: delivery)
    }

    /// An HTTP error; the body takes the shape of the wire format that was called.
    public static func error(status: Int, message: String, type: String = "server_error", headers: [String: String] = [:]) -> ScriptedTurn {
        ScriptedTurn(failure: Failure(status: status, message: message, type: type, headers: headers))
    }

    /// The turn as Chat Completions SSE `data:` payloads, ending with `[DONE]`.
    public func chatCompletionsEvents(model: String = "scripted-model") -> [String] {
        func chunk(_ delta: JSONValue, finish: JSONValue = .null) -> String {
            let value: JSONValue = [
                "id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 1, "model": .string(model),
                "choices": [["index": 0, "delta": delta, "finish_reason": finish]],
            ]
            return value.jsonString
        }
        var events = [chunk(["role": "assistant", "content": ""])]
        for piece in Self.pieces(of: reasoning ?? "") { events.append(chunk(["reasoning_content": .string(piece)])) }
        for piece in Self.pieces(of: text) { events.append(chunk(["content": .string(piece)])) }
        for (index, call) in toolCalls.enumerated() {
            events.append(chunk(["tool_calls": [[
                "index": .int(index), "id": .string(call.id), "type": "function",
                "function": ["name": .string(call.name), "arguments": ""],
            ]]]))
            for piece in Self.halves(of: call.arguments) {
                events.append(chunk(["tool_calls": [["index": .int(index), "function": ["arguments": .string(piece)]]]]))
            }
        }
        let finish = finishReason ?? (toolCalls.isEmpty ? "stop" : "tool_calls")
        events.append(chunk([:], finish: .string(finish)))
        var counts: [String: JSONValue] = [
            "prompt_tokens": .int(usage.inputTokens ?? 0), "completion_tokens": .int(usage.outputTokens ?? 0),
            "total_tokens": .int((usage.inputTokens ?? 0) + (usage.outputTokens ?? 0)),
        ]
        if let cached = usage.cacheReadTokens { counts["prompt_tokens_details"] = ["cached_tokens": .int(cached)] }
        let usageChunk: JSONValue = [
            "id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 1, "model": .string(model), "choices": [],
            "usage": .object(counts),
        ]
        events.append(usageChunk.jsonString)
        events.append("[DONE]")
        return events
    }

    /// Splits text into word-sized pieces that keep their spaces, so joined pieces equal the text.
    static func pieces(of text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var pieces: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if character == " " || character == "\n" {
                pieces.append(current)
                current = ""
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    /// Splits tool arguments in two, so clients must join fragments.
    static func halves(of text: String) -> [String] {
        guard text.count > 1 else { return text.isEmpty ? [] : [text] }
        let middle = text.index(text.startIndex, offsetBy: text.count / 2)
        return [String(text[..<middle]), String(text[middle...])]
    }
}
