import CopilotCore
import CopilotProviders
import Foundation

/// Estimates how many tokens a model request takes, without a tokenizer.
///
/// Four characters a token is the usual rule for English and code; the estimate is scaled by what
/// the provider reported for earlier calls when that is higher, so it tracks tokenizers that count more.
struct ConversationBudget: Sendable {
    /// The most prompt tokens the model takes.
    let limit: Int
    /// Compaction starts above this share of the limit, leaving room for the answer and for error.
    let threshold = 0.8
    private var scale = 1.0

    init?(capabilities: ModelCapabilities?, maxOutputTokens: Int?) {
        if let prompt = capabilities?.limits.maxPromptTokens {
            limit = prompt
        } else if let window = capabilities?.limits.maxContextWindowTokens {
            limit = max(window - (maxOutputTokens ?? window / 8), window / 2)
        } else {
            return nil
        }
    }

    /// The estimated tokens of `request`.
    func estimate(_ request: ModelRequest) -> Int {
        Int((Double(Self.characters(of: request)) / 4.0 * scale).rounded(.up))
    }

    /// Whether `request` should be compacted before it is sent.
    func needsCompaction(_ request: ModelRequest) -> Bool {
        Double(estimate(request)) > Double(limit) * threshold
    }

    /// Learns from the provider's own count for a request.
    mutating func calibrate(request: ModelRequest, reportedInputTokens: Int?) {
        guard let reported = reportedInputTokens, reported > 0 else { return }
        let raw = Double(Self.characters(of: request)) / 4.0
        guard raw > 0 else { return }
        // Only ever raised: underestimating is what lets a conversation overflow.
        scale = min(max(Double(reported) / raw, 1.0), 3.0)
    }

    static func characters(of request: ModelRequest) -> Int {
        var count = request.systemPrompt?.count ?? 0
        for tool in request.tools { count += tool.name.count + tool.description.count + tool.parameters.jsonString.count }
        for item in request.messages { count += characters(of: item) + 16 }
        return count
    }

    static func characters(of item: ConversationItem) -> Int {
        switch item {
        case .user(let text, let images): text.count + images.count * 3000
        case .assistant(let text, let calls, let reasoning):
            text.count + calls.reduce(0) { $0 + $1.name.count + $1.arguments.count } + reasoning.reduce(0) { $0 + $1.text.count }
        case .toolResult(_, let content): content.count
        }
    }

    /// The conversation as plain text for a summarising model call, at most `limit` characters
    /// (the most recent part is kept when it is longer).
    static func transcript(of items: [ConversationItem], limit: Int) -> String {
        var lines: [String] = []
        for item in items {
            switch item {
            case .user(let text, let images):
                lines.append("User: \(text)" + (images.isEmpty ? "" : " [\(images.count) image(s)]"))
            case .assistant(let text, let calls, _):
                if !text.isEmpty { lines.append("Assistant: \(text)") }
                for call in calls { lines.append("Assistant called \(call.name)(\(call.arguments))") }
            case .toolResult(let id, let content):
                lines.append("Tool result (\(id)): \(content.prefix(2000))")
            }
        }
        let text = lines.joined(separator: "\n")
        return text.count <= limit ? text : "[earlier part omitted]\n" + String(text.suffix(limit))
    }
}
