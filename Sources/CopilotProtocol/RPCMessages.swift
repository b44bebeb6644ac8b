package import CopilotCore

// Params and results of the protocol's methods, in the official field names. `SessionCreateParams`
// has a file of its own.

/// `{}`: a method without params.
package struct EmptyParams: Codable, Sendable, Hashable {
    package init() {}
}

/// `{}`: a method whose result carries nothing.
package struct EmptyResult: Codable, Sendable, Hashable {
    package init() {}
}

/// `{success, error?}`.
package struct SuccessResult: Codable, Sendable, Hashable {
    package var success: Bool
    package var error: String?
    package init(success: Bool, error: String? = nil) {
        self.success = success
        self.error = error
    }
}

/// Params that name only a session.
package struct SessionIDParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package init(sessionId: String) { self.sessionId = sessionId }
}

// MARK: - Connection

package struct ConnectParams: Codable, Sendable, Hashable {
    package var token: String?
    package var supportedTaskKinds: [String]?
    package init(token: String? = nil, supportedTaskKinds: [String]? = ["agent"]) {
        self.token = token
        self.supportedTaskKinds = supportedTaskKinds
    }
}

package struct ConnectResult: Codable, Sendable, Hashable {
    package var ok: Bool
    package var protocolVersion: Int?
    package var version: String?
    package init(ok: Bool, protocolVersion: Int, version: String) {
        self.ok = ok
        self.protocolVersion = protocolVersion
        self.version = version
    }
}

package struct PingParams: Codable, Sendable, Hashable {
    package var message: String?
    package init(message: String? = nil) { self.message = message }
}

package struct PingResult: Codable, Sendable, Hashable {
    package var message: String
    /// When the server answered, ISO 8601 (the official SDKs read that, and older ones milliseconds too).
    package var timestamp: String
    package var protocolVersion: Int
    package init(message: String, timestamp: String, protocolVersion: Int) {
        self.message = message
        self.timestamp = timestamp
        self.protocolVersion = protocolVersion
    }
}

package struct StatusResult: Codable, Sendable, Hashable {
    package var version: String
    package var protocolVersion: Int
    package init(version: String, protocolVersion: Int) {
        self.version = version
        self.protocolVersion = protocolVersion
    }
}

package struct AuthStatusResult: Codable, Sendable, Hashable {
    package var isAuthenticated: Bool
    package var statusMessage: String?
    package init(isAuthenticated: Bool, statusMessage: String? = nil) {
        self.isAuthenticated = isAuthenticated
        self.statusMessage = statusMessage
    }
}

package struct ModelsListResult: Codable, Sendable, Hashable {
    /// `ModelInfo` objects, as the SDKs read them.
    package var models: [JSONValue]
    package init(models: [JSONValue]) { self.models = models }
}

// MARK: - Stored sessions

/// The SDKs' `SessionMetadata`: what `session.list` and `session.getMetadata` answer.
package struct WireSessionMetadata: Codable, Sendable, Hashable {
    package var sessionId: String
    /// ISO 8601.
    package var startTime: String
    /// ISO 8601.
    package var modifiedTime: String
    package var isRemote: Bool
    package var summary: String?
    package var context: Context?

    package struct Context: Codable, Sendable, Hashable {
        package var cwd: String
        package init(cwd: String) { self.cwd = cwd }
    }

    package init(sessionId: String, startTime: String, modifiedTime: String, isRemote: Bool = false, summary: String? = nil, context: Context? = nil) {
        self.sessionId = sessionId
        self.startTime = startTime
        self.modifiedTime = modifiedTime
        self.isRemote = isRemote
        self.summary = summary
        self.context = context
    }
}

package struct SessionListParams: Codable, Sendable, Hashable {
    package var filter: Filter?

    /// Only sessions that match every field given.
    package struct Filter: Codable, Sendable, Hashable {
        package var cwd: String?
        package var gitRoot: String?
        package var repository: String?
        package var branch: String?
        package init(cwd: String? = nil) { self.cwd = cwd }
    }

    package init(filter: Filter? = nil) { self.filter = filter }
}

package struct SessionListResult: Codable, Sendable, Hashable {
    package var sessions: [WireSessionMetadata]
    package init(sessions: [WireSessionMetadata]) { self.sessions = sessions }
}

package struct SessionMetadataResult: Codable, Sendable, Hashable {
    /// `nil` (sent as `null`) when there is no such session.
    package var session: WireSessionMetadata?
    package init(session: WireSessionMetadata?) { self.session = session }
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(session, forKey: .session)
    }
}

package struct SessionLastIDResult: Codable, Sendable, Hashable {
    package var sessionId: String?
    package init(sessionId: String?) { self.sessionId = sessionId }
}

// MARK: - Sessions

package struct SessionCreateResult: Codable, Sendable, Hashable {
    package var sessionId: String
    package var workspacePath: String?
    package var capabilities: JSONValue?
    package init(sessionId: String, workspacePath: String? = nil, capabilities: JSONValue? = ["ui": ["elicitation": false]]) {
        self.sessionId = sessionId
        self.workspacePath = workspacePath
        self.capabilities = capabilities
    }
}

/// `session.send` and `session.sendAndWait`.
package struct SessionSendParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var prompt: String
    package var attachments: [Attachment]?
    /// `enqueue` (the default) or `immediate`.
    package var mode: String?
    package var agentMode: String?
    package var displayPrompt: String?
    /// Extra HTTP headers for this message's model calls.
    package var requestHeaders: [String: String]?
    /// A JSON Schema the answer must match (`name`, `schema`, `strict`): this runtime's own field,
    /// which the official SDKs do not send; the Swift client does.
    package var responseFormat: ResponseFormat?
    package init(sessionId: String, prompt: String, attachments: [Attachment]? = nil, mode: String? = nil) {
        self.sessionId = sessionId
        self.prompt = prompt
        self.attachments = attachments
        self.mode = mode
    }
}

package struct SessionSendResult: Codable, Sendable, Hashable {
    package var messageId: String
    package init(messageId: String) { self.messageId = messageId }
}

package struct SessionSendAndWaitResult: Codable, Sendable, Hashable {
    package var aborted: Bool
    package var messageId: String
    package var completionEventId: String?
    /// The final root `assistant.message`.
    package var response: SessionEvent?
    package init(aborted: Bool, messageId: String, completionEventId: String?, response: SessionEvent?) {
        self.aborted = aborted
        self.messageId = messageId
        self.completionEventId = completionEventId
        self.response = response
    }
}

package struct SessionMessagesResult: Codable, Sendable, Hashable {
    package var events: [SessionEvent]
    package init(events: [SessionEvent]) { self.events = events }
}

package struct ModelSwitchParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var modelId: String
    package var reasoningEffort: String?
    /// Replaces the session's model capabilities (vision, limits).
    package var modelCapabilities: SessionCreateParams.ModelCapabilitiesParams?
    package init(sessionId: String, modelId: String, reasoningEffort: String? = nil) {
        self.sessionId = sessionId
        self.modelId = modelId
        self.reasoningEffort = reasoningEffort
    }
}

package struct ModelSwitchResult: Codable, Sendable, Hashable {
    package var modelId: String?
    package init(modelId: String?) { self.modelId = modelId }
}

package struct SessionLogParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var message: String
    /// `info` (the default), `warning` or `error`.
    package var level: String?
    package var ephemeral: Bool?
    package var url: String?
    package var tip: String?
    package init(sessionId: String, message: String, level: String? = nil, url: String? = nil, tip: String? = nil) {
        self.sessionId = sessionId
        self.message = message
        self.level = level
        self.url = url
        self.tip = tip
    }
}

package struct SessionLogResult: Codable, Sendable, Hashable {
    package var eventId: String
    package init(eventId: String) { self.eventId = eventId }
}

/// `session.tools.handlePendingToolCall`: the client's answer to an `external_tool.requested`.
package struct PendingToolCallAnswer: Codable, Sendable, Hashable {
    package var sessionId: String
    package var requestId: String
    /// A plain string, or `{textResultForLlm, resultType?, error?}`.
    package var result: JSONValue?
    /// Set when the client's handler raised.
    package var error: String?
    package init(sessionId: String, requestId: String, result: JSONValue? = nil, error: String? = nil) {
        self.sessionId = sessionId
        self.requestId = requestId
        self.result = result
        self.error = error
    }
}

/// `session.permissions.handlePendingPermissionRequest`: the client's decision.
package struct PendingPermissionAnswer: Codable, Sendable, Hashable {
    package var sessionId: String
    package var requestId: String
    package var result: Decision

    /// The official decision object, a union on `kind`.
    package struct Decision: Codable, Sendable, Hashable {
        package var kind: String
        package var feedback: String?
        package init(kind: String, feedback: String? = nil) {
            self.kind = kind
            self.feedback = feedback
        }
    }

    package init(sessionId: String, requestId: String, result: Decision) {
        self.sessionId = sessionId
        self.requestId = requestId
        self.result = result
    }
}

// MARK: - Runtime → client

package struct HookInvocationParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var hookType: String
    package var input: JSONValue
    package init(sessionId: String, hookType: String, input: JSONValue) {
        self.sessionId = sessionId
        self.hookType = hookType
        self.input = input
    }
}

package struct HookInvocationResult: Codable, Sendable, Hashable {
    /// The hook's output; absent when the client has no such hook.
    package var output: JSONValue?
    package init(output: JSONValue? = nil) { self.output = output }
}

package struct UserInputRequestParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var question: String
    package var choices: [String]?
    package var allowFreeform: Bool?
    package var toolCallId: String?
    package init(sessionId: String, question: String, choices: [String]?, allowFreeform: Bool?, toolCallId: String?) {
        self.sessionId = sessionId
        self.question = question
        self.choices = choices
        self.allowFreeform = allowFreeform
        self.toolCallId = toolCallId
    }
}

package struct UserInputRequestResult: Codable, Sendable, Hashable {
    package var answer: String
    package var wasFreeform: Bool?
    package init(answer: String, wasFreeform: Bool) {
        self.answer = answer
        self.wasFreeform = wasFreeform
    }
}

/// `systemMessage.transform`: the sections whose text the client's callbacks rewrite.
package struct SystemMessageTransformParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var sections: [String: SectionText]
    package init(sessionId: String, sections: [String: SectionText]) {
        self.sessionId = sessionId
        self.sections = sections
    }
}

/// `{content}`: one section's text.
package struct SectionText: Codable, Sendable, Hashable {
    package var content: String
    package init(content: String) { self.content = content }
}

package struct SystemMessageTransformResult: Codable, Sendable, Hashable {
    package var sections: [String: SectionText]
    package init(sections: [String: SectionText]) { self.sections = sections }
}

package struct ProviderTokenParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var providerName: String
    package init(sessionId: String, providerName: String = "default") {
        self.sessionId = sessionId
        self.providerName = providerName
    }
}

package struct ProviderTokenResult: Codable, Sendable, Hashable {
    package var token: String
    package init(token: String) { self.token = token }
}

// MARK: - Notifications

package struct SessionEventNotification: Codable, Sendable, Hashable {
    package var sessionId: String
    package var event: SessionEvent
    package init(sessionId: String, event: SessionEvent) {
        self.sessionId = sessionId
        self.event = event
    }
}

package struct SessionLifecycleNotification: Codable, Sendable, Hashable {
    /// A session was created.
    package static let created = "session.created"
    /// A session was deleted.
    package static let deleted = "session.deleted"
    /// Something about a session that a session list shows changed (its mode, name, plan, model, a new prompt).
    package static let updated = "session.updated"

    /// ``created``, ``deleted``, or another lifecycle type of the official runtime (`session.updated`, …).
    package var type: String
    package var sessionId: String
    package var metadata: WireSessionMetadata?
    package init(type: String, sessionId: String, metadata: WireSessionMetadata? = nil) {
        self.type = type
        self.sessionId = sessionId
        self.metadata = metadata
    }
}
