import CopilotCore
import CopilotProviders
import Foundation

/// Keeping the conversation within the model's limit, and building the user's entry in it.
extension SessionEngine {
    /// Before a model call that would come near the model's limit, replaces the turns before the
    /// current message with a summary written by the model. Throws when even that cannot fit, so
    /// the conversation never silently exceeds the limit.
    func compactIfNeeded() async throws {
        guard let budget else { return }
        let request = ModelRequest(model: model, systemPrompt: systemPrompt, messages: history, tools: toolDefinitions)
        guard budget.needsCompaction(request) else { return }
        _ = try await compact(budget: budget)
    }

    /// Compacts the conversation now (`session.history.compact`): what happened before the latest
    /// message is replaced by a summary. A conversation with nothing before its latest message is
    /// left as it is.
    /// - Returns: how many entries were replaced, the tokens saved, and the summary.
    package func compactNow() async throws -> (removed: Int, tokensRemoved: Int, summary: String?) {
        await resolveSystemPrompt()
        let budget = budget ?? ConversationBudget(
            capabilities: ModelCapabilities(limits: ModelLimits(maxContextWindowTokens: Self.defaultTokenLimit)), maxOutputTokens: nil)!
        return try await compact(budget: budget, onlyIfOlder: true)
    }

    private func compact(budget: ConversationBudget, onlyIfOlder: Bool = false) async throws -> (removed: Int, tokensRemoved: Int, summary: String?) {
        let request = ModelRequest(model: model, systemPrompt: systemPrompt, messages: history, tools: toolDefinitions)
        let before = budget.estimate(request)
        // Everything before the latest user message is "older"; the current interaction stays whole.
        let split = history.lastIndex { if case .user = $0 { true } else { false } } ?? 0
        guard split > 0 else {
            if onlyIfOlder { return (0, 0, nil) }
            throw CopilotError(
                code: .invalidInput,
                message: "The current message needs about \(before) tokens, more than this model takes (\(budget.limit)); shorten it or its attachments.")
        }
        emit(.sessionCompactionStart(.init(conversationTokens: before, tokenLimit: budget.limit, model: model)))
        let older = Array(history[..<split])
        let instructions = "You summarise conversations so that work can continue without them. Keep facts, decisions, file names, open tasks and what the user asked for. Be concise."
        let transcript = ConversationBudget.transcript(of: older, limit: max(budget.limit * 2, 1000))
        let summaryRequest = ModelRequest(
            model: wireModel ?? model, systemPrompt: instructions,
            messages: [.user("Summarise this conversation:\n\n" + transcript)], maxOutputTokens: max(budget.limit / 4, 256))
        let summary: String
        do {
            summary = try await provider.complete(summaryRequest) { _ in }.text
        } catch {
            emit(.sessionCompactionComplete(.init(success: false, error: String(describing: error), preCompactionTokens: before)))
            throw error
        }
        history.replaceSubrange(..<split, with: [.user("Summary of the conversation so far:\n" + summary)])
        let after = budget.estimate(ModelRequest(model: model, systemPrompt: systemPrompt, messages: history, tools: toolDefinitions))
        emit(.sessionCompactionComplete(.init(
            success: true, preCompactionTokens: before, postCompactionTokens: after, summaryContent: summary, tokenLimit: budget.limit)))
        guard Double(after) <= Double(budget.limit) else {
            throw CopilotError(
                code: .invalidInput,
                message: "The conversation still needs about \(after) tokens after compaction, more than this model takes (\(budget.limit)).")
        }
        return (split, max(0, before - after), summary)
    }

    /// The conversation entry for a prompt: text files inlined, images and documents attached, vision
    /// checked; with `dated`, ended by the current-date block.
    func userItem(_ prompt: String, attachments: [Attachment], dated: Date? = nil) async throws -> ConversationItem {
        let loader = AttachmentLoader(
            directory: WorkingDirectory(workingDirectory ?? FileManager.default.currentDirectoryPath), tagsFiles: registry.offered().contains { $0.name == BuiltInTool.view.rawValue && $0.tool.origin == .builtin }
        ) { request in
            await self.decide(request, preApproved: false)
        }
        let loaded = try await loader.load(attachments)
        if loaded.media.contains(where: { !$0.isDocument }), modelCapabilities?.supports.vision == false {
            throw CopilotError(
                code: .invalidInput,
                message: "Model \(model) does not accept images (its capabilities say vision: false). Remove the image attachments or use a model with vision.")
        }
        return .user(loaded.text(for: prompt) + (dated.map(Self.datetime) ?? ""), media: loaded.media)
    }
}
