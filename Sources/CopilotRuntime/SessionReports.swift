public import CopilotCore
public import Foundation

// What a session reports about itself through `CopilotSession`: the same values in process and
// through a remote runtime (which sends them as the official `session.*` results).

/// The session's model and reasoning effort (`CopilotSession.currentModel()`).
public struct ModelSelection: Sendable, Hashable {
    /// The model the next call goes to; `nil` before one is known (a server's default).
    public var model: String?
    /// The reasoning effort sent with it (`low`, `medium`, `high`, …), when one was set.
    public var reasoningEffort: String?

    public init(model: String?, reasoningEffort: String?) {
        self.model = model
        self.reasoningEffort = reasoningEffort
    }
}

/// How much a session used its models (`CopilotSession.usage()`).
public struct SessionUsage: Sendable, Hashable {
    /// When the session started in this runtime.
    public var startedAt: Date
    /// The time spent in model calls, all models together.
    public var apiDuration: Duration
    /// The messages users sent, over the whole conversation (a resumed session's earlier ones too).
    public var userRequests: Int
    /// The input and output tokens of the last model call.
    public var lastCallInputTokens: Int
    public var lastCallOutputTokens: Int
    /// Calls and tokens, by model.
    public var byModel: [String: ModelMetric]
    /// The model the next call goes to.
    public var currentModel: String?

    public init(
        startedAt: Date, apiDuration: Duration, userRequests: Int, lastCallInputTokens: Int, lastCallOutputTokens: Int,
        byModel: [String: ModelMetric], currentModel: String?
    ) {
        self.startedAt = startedAt
        self.apiDuration = apiDuration
        self.userRequests = userRequests
        self.lastCallInputTokens = lastCallInputTokens
        self.lastCallOutputTokens = lastCallOutputTokens
        self.byModel = byModel
        self.currentModel = currentModel
    }
}

/// About how many tokens the next model request takes, by part (four characters a token).
public struct ContextTokens: Sendable, Hashable {
    /// The system prompt, instruction files included.
    public var system: Int
    /// The tool definitions offered.
    public var tools: Int
    /// The conversation.
    public var conversation: Int

    public init(system: Int, tools: Int, conversation: Int) {
        self.system = system
        self.tools = tools
        self.conversation = conversation
    }

    /// The whole request.
    public var total: Int { system + tools + conversation }
}

/// The session as a session list shows it, with what it runs on now (`CopilotSession.snapshot()`).
public struct SessionSnapshot: Sendable, Hashable {
    public var sessionId: String
    public var createdAt: Date
    /// When the last message was sent.
    public var modifiedAt: Date
    /// `interactive`, `plan` or `autopilot`.
    public var mode: String
    /// The folder the session's tools work in.
    public var workingDirectory: String
    public var model: String?
    /// The session's name, once one was given.
    public var name: String?
    /// The first prompt, or the summary the `sessionEnd` hook gave.
    public var summary: String?
    /// The session's own folder, where its plan and workspace files are kept.
    public var workspacePath: String

    public init(
        sessionId: String, createdAt: Date, modifiedAt: Date, mode: String, workingDirectory: String, model: String?, name: String?,
        summary: String?, workspacePath: String
    ) {
        self.sessionId = sessionId
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
        self.mode = mode
        self.workingDirectory = workingDirectory
        self.model = model
        self.name = name
        self.summary = summary
        self.workspacePath = workspacePath
    }
}

/// A page of the session's persisted event log (`CopilotSession.readEventLog(after:direction:types:limit:wait:)`).
public struct EventLogPage: Sendable, Hashable {
    /// The events, oldest first reading forward, newest first reading backward.
    public var events: [SessionEvent]
    /// Where to read on from: pass it as the next call's `cursor`.
    public var cursor: String
    /// The cursor passed was not one this log knows (another runtime's, or made up): reading
    /// started from the beginning (forward) or the end (backward).
    public var expired: Bool
    /// More matching events are there beyond this page.
    public var hasMore: Bool

    public init(events: [SessionEvent], cursor: String, expired: Bool, hasMore: Bool) {
        self.events = events
        self.cursor = cursor
        self.expired = expired
        self.hasMore = hasMore
    }
}

/// Which way ``EventLogPage`` reading goes from a cursor.
public enum EventLogDirection: String, Sendable, Hashable {
    /// Later events; with a `wait`, the call returns as soon as one comes.
    case forward
    /// Earlier events, newest first.
    case backward
}

/// Messages waiting for the agent (`CopilotSession.pendingMessages()`).
public struct PendingMessages: Sendable, Hashable {
    /// A message sent while the session was busy, answered after the current one.
    public struct Queued: Sendable, Hashable {
        /// The message id `CopilotSession.send` returned.
        public var id: String
        public var prompt: String
        /// The agent mode it will be answered in: the one it was sent with, else `interactive`.
        public var agentMode: String

        public init(id: String, prompt: String, agentMode: String) {
            self.id = id
            self.prompt = prompt
            self.agentMode = agentMode
        }
    }

    /// Queued messages, in the order they will be answered.
    public var queued: [Queued]
    /// Steering (`immediate`) messages the agent has not read yet.
    public var steering: [String]

    public init(queued: [Queued], steering: [String]) {
        self.queued = queued
        self.steering = steering
    }
}

/// A tool the model is offered (`CopilotSession.tools()`).
public struct ToolMetadata: Sendable, Hashable {
    public var name: String
    public var description: String
    /// The JSON Schema of its arguments.
    public var parameters: JSONValue?

    public init(name: String, description: String, parameters: JSONValue?) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// An instruction file in the system prompt (`CopilotSession.instructionSources()`).
public struct InstructionSource: Sendable, Hashable {
    /// The file's path.
    public var path: String
    /// Its text, as the model reads it.
    public var content: String

    public init(path: String, content: String) {
        self.path = path
        self.content = content
    }
}

/// How a message written to the session's log with `CopilotSession.log(_:level:)` shows.
public enum SessionLogLevel: String, Sendable, Hashable {
    /// `session.info`.
    case info
    /// `session.warning`.
    case warning
    /// `session.error`.
    case error
}
