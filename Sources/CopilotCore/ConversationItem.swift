// The conversation as the agent loop keeps it and the providers send it, independent of any wire format.

/// One entry of the conversation sent to the model, independent of the wire format.
package enum ConversationItem: Sendable, Hashable, Codable {
    /// What the user said, with any images and documents attached.
    case user(String, media: [MediaContent] = [])
    /// What the model answered: text, the tools it asked for, and any reasoning to replay verbatim.
    case assistant(text: String, toolCalls: [ToolCall], reasoning: [ReasoningTrace] = [])
    /// The result of one tool call, matched to it by `callID`.
    case toolResult(callID: String, content: String)
}

/// A tool call the model asked for.
public struct ToolCall: Sendable, Hashable, Codable {
    /// The provider's id for this call; the result must echo it.
    public var id: String
    /// The tool's name.
    public var name: String
    /// The arguments exactly as the model wrote them: JSON text, possibly malformed.
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// An image or a document sent to the model, base64-encoded.
package struct MediaContent: Sendable, Hashable, Codable {
    /// `image/png`, `image/jpeg`, `image/gif`, `image/webp`, or `application/pdf` for a document.
    package var mimeType: String
    /// The bytes, base64-encoded.
    package var base64Data: String
    /// A document's name, as the user's attachment shows it.
    package var title: String?

    package init(mimeType: String, base64Data: String, title: String? = nil) {
        self.mimeType = mimeType
        self.base64Data = base64Data
        self.title = title
    }

    /// The document types sent as documents rather than images.
    package static let documentTypes: Set<String> = ["application/pdf"]

    /// A document (PDF) rather than an image.
    package var isDocument: Bool { Self.documentTypes.contains(mimeType) }

    /// A `data:` URL, as the OpenAI formats take it.
    package var dataURL: String { "data:\(mimeType);base64,\(base64Data)" }
}

/// A piece of model reasoning, kept so it can be sent back unchanged on the next call.
///
/// Anthropic requires thinking blocks (with their `signature`) to be replayed when tools are used;
/// the Responses API replays reasoning items by `encrypted_content`. Other formats ignore it.
package struct ReasoningTrace: Sendable, Hashable, Codable {
    /// The readable reasoning text (may be empty when the provider only sent an opaque form).
    package var text: String
    /// Anthropic's thinking-block signature.
    package var signature: String?
    /// The Responses API reasoning item's `encrypted_content`.
    package var encryptedContent: String?
    /// The provider's id for the reasoning item (`rs_…`).
    package var itemID: String?
    /// Anthropic `redacted_thinking` data.
    package var redactedData: String?
    /// Gemini's `thoughtSignature`: the model's reasoning in opaque form, which must go back with
    /// the turn it came with for the model to keep reasoning across tool calls.
    package var thoughtSignature: String?

    package init(
        text: String, signature: String? = nil, encryptedContent: String? = nil, itemID: String? = nil, redactedData: String? = nil,
        thoughtSignature: String? = nil
    ) {
        self.text = text
        self.signature = signature
        self.encryptedContent = encryptedContent
        self.itemID = itemID
        self.redactedData = redactedData
        self.thoughtSignature = thoughtSignature
    }
}
