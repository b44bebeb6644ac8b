import Foundation
import CopilotProviders

extension SessionEvent: Codable {
    private enum CodingKeys: String, CodingKey {
        case id, timestamp, parentId, ephemeral, agentId, type, data
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let idText = try container.decode(String.self, forKey: .id)
        guard let id = UUID(uuidString: idText) else {
            throw DecodingError.dataCorruptedError(forKey: .id, in: container, debugDescription: "event id '\(idText)' is not a UUID")
        }
        let timestampText = try container.decode(String.self, forKey: .timestamp)
        guard let timestamp = EventTimestamp.parse(timestampText) else {
            throw DecodingError.dataCorruptedError(
                forKey: .timestamp, in: container, debugDescription: "timestamp '\(timestampText)' is not ISO 8601")
        }
        let parentText = try container.decodeIfPresent(String.self, forKey: .parentId)
        let type = try container.decode(String.self, forKey: .type)
        let payload = try Payload.decode(type: type, from: container.superDecoder(forKey: .data))
        self.init(
            id: id, timestamp: timestamp, parentId: parentText.flatMap(UUID.init(uuidString:)),
            ephemeral: try container.decodeIfPresent(Bool.self, forKey: .ephemeral) ?? false,
            agentId: try container.decodeIfPresent(String.self, forKey: .agentId), payload: payload)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.uuidString.lowercased(), forKey: .id)
        try container.encode(EventTimestamp.format(timestamp), forKey: .timestamp)
        try container.encode(parentId?.uuidString.lowercased(), forKey: .parentId)
        if ephemeral { try container.encode(true, forKey: .ephemeral) }
        try container.encodeIfPresent(agentId, forKey: .agentId)
        try container.encode(type, forKey: .type)
        try payload.encodeData(to: container.superEncoder(forKey: .data))
    }

    /// The event as one line of JSON, as `--events jsonl` prints it and `events.jsonl` stores it.
    public func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension SessionEvent.Payload {
    static func decode(type: String, from decoder: any Decoder) throws -> Self {
        func value<T: Decodable>(_: T.Type) throws -> T { try T(from: decoder) }
        switch type {
        case "session.start": return .sessionStart(try value(SessionEvent.SessionStart.self))
        case "user.message": return .userMessage(try value(SessionEvent.UserMessage.self))
        case "assistant.turn_start": return .assistantTurnStart(try value(SessionEvent.AssistantTurnStart.self))
        case "assistant.message_start": return .assistantMessageStart(try value(SessionEvent.AssistantMessageStart.self))
        case "assistant.message_delta": return .assistantMessageDelta(try value(SessionEvent.AssistantMessageDelta.self))
        case "assistant.reasoning_delta": return .assistantReasoningDelta(try value(SessionEvent.AssistantReasoningDelta.self))
        case "assistant.reasoning": return .assistantReasoning(try value(SessionEvent.AssistantReasoning.self))
        case "assistant.message": return .assistantMessage(try value(SessionEvent.AssistantMessage.self))
        case "assistant.usage": return .assistantUsage(try value(SessionEvent.AssistantUsage.self))
        case "assistant.turn_end": return .assistantTurnEnd(try value(SessionEvent.AssistantTurnEnd.self))
        case "tool.execution_start": return .toolExecutionStart(try value(SessionEvent.ToolExecutionStart.self))
        case "tool.execution_complete": return .toolExecutionComplete(try value(SessionEvent.ToolExecutionComplete.self))
        case "permission.requested": return .permissionRequested(try value(SessionEvent.PermissionRequested.self))
        case "permission.completed": return .permissionCompleted(try value(SessionEvent.PermissionCompleted.self))
        case "session.error": return .sessionError(try value(SessionEvent.SessionError.self))
        case "session.warning": return .sessionWarning(try value(SessionEvent.SessionWarning.self))
        case "session.idle": return .sessionIdle(try value(SessionEvent.SessionIdle.self))
        case "abort": return .abort(try value(SessionEvent.Abort.self))
        default: return .other(type: type, data: try value(JSONValue.self))
        }
    }

    func encodeData(to encoder: any Encoder) throws {
        switch self {
        case .sessionStart(let data): try data.encode(to: encoder)
        case .userMessage(let data): try data.encode(to: encoder)
        case .assistantTurnStart(let data): try data.encode(to: encoder)
        case .assistantMessageStart(let data): try data.encode(to: encoder)
        case .assistantMessageDelta(let data): try data.encode(to: encoder)
        case .assistantReasoningDelta(let data): try data.encode(to: encoder)
        case .assistantReasoning(let data): try data.encode(to: encoder)
        case .assistantMessage(let data): try data.encode(to: encoder)
        case .assistantUsage(let data): try data.encode(to: encoder)
        case .assistantTurnEnd(let data): try data.encode(to: encoder)
        case .toolExecutionStart(let data): try data.encode(to: encoder)
        case .toolExecutionComplete(let data): try data.encode(to: encoder)
        case .permissionRequested(let data): try data.encode(to: encoder)
        case .permissionCompleted(let data): try data.encode(to: encoder)
        case .sessionError(let data): try data.encode(to: encoder)
        case .sessionWarning(let data): try data.encode(to: encoder)
        case .sessionIdle(let data): try data.encode(to: encoder)
        case .abort(let data): try data.encode(to: encoder)
        case .other(_, let data): try data.encode(to: encoder)
        }
    }
}

/// ISO 8601 timestamps with milliseconds, in UTC, as the official runtime writes them.
public enum EventTimestamp {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()

    /// `2026-01-01T00:00:00.000Z`.
    public static func format(_ date: Date) -> String { date.formatted(withFraction) }

    /// Reads a timestamp with or without fractional seconds.
    public static func parse(_ text: String) -> Date? {
        (try? withFraction.parse(text)) ?? (try? withoutFraction.parse(text))
    }
}
