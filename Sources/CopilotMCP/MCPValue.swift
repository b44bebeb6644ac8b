package import CopilotCore
import Foundation
package import MCP

extension JSONValue {
    /// The same value as the MCP library's `Value`.
    package var mcpValue: MCP.Value {
        switch self {
        case .null: .null
        case .bool(let value): .bool(value)
        case .int(let value): .int(value)
        case .double(let value): .double(value)
        case .string(let value): .string(value)
        case .array(let values): .array(values.map(\.mcpValue))
        case .object(let members): .object(members.mapValues(\.mcpValue))
        }
    }

    /// The same value as the MCP library's `Value` (data becomes its `data:` URL text, as MCP encodes it).
    package init(_ value: MCP.Value) {
        switch value {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .int(value)
        case .double(let value): self = .double(value)
        case .string(let value): self = .string(value)
        case .data(let mimeType, let data): self = .string("data:\(mimeType ?? "application/octet-stream");base64,\(data.base64EncodedString())")
        case .array(let values): self = .array(values.map(JSONValue.init))
        case .object(let members): self = .object(members.mapValues(JSONValue.init))
        }
    }
}
