package import CopilotCore

// The params and results of the methods that open sessions by kind, list tools, register secrets and
// providers, and describe a session's tools, queue, context and visibility (`sessions.open`,
// `tools.list`, `secrets.addFilterValues`, `session.provider.add`, `session.queue.pendingItems`, …).

// MARK: - Opening sessions

/// `sessions.open`: a union on `kind` — `create`, `resume`, `resumeLast`, `attach`, and the remote
/// kinds `remote`, `cloud`, `handoff`.
package struct SessionsOpenParams: Codable, Sendable, Hashable {
    package var kind: String
    package var sessionId: String?
    package var remoteSessionId: String?
    /// `resumeLast`: the most recent session in this directory.
    package var context: Context?
    /// The session's options, as `session.create` takes them.
    package var options: SessionCreateParams?

    package struct Context: Codable, Sendable, Hashable {
        package var cwd: String?
        package init(cwd: String?) { self.cwd = cwd }
    }

    package init(kind: String, sessionId: String? = nil, context: Context? = nil, options: SessionCreateParams? = nil) {
        self.kind = kind
        self.sessionId = sessionId
        self.context = context
        self.options = options
    }

    /// The official `status` values.
    package enum Status: String, Codable, Sendable { case created, resumed, connected, notFound = "not_found" }
}

/// `{status, sessionId?}`.
package struct SessionsOpenResult: Codable, Sendable, Hashable {
    package var status: SessionsOpenParams.Status
    package var sessionId: String?
    package init(status: SessionsOpenParams.Status, sessionId: String? = nil) {
        self.status = status
        self.sessionId = sessionId
    }
}

// MARK: - Tools

/// `tools.list`: `{model?}`.
package struct ToolsListParams: Codable, Sendable, Hashable {
    package var model: String?
    package init(model: String? = nil) { self.model = model }
}

/// `{tools: [{name, description, parameters?}]}`: the built-in tools a session can offer.
package struct ToolsListResult: Codable, Sendable, Hashable {
    package var tools: [Tool]

    package struct Tool: Codable, Sendable, Hashable {
        package var name: String
        package var description: String
        package var parameters: JSONValue?
        package init(name: String, description: String, parameters: JSONValue?) {
            self.name = name
            self.description = description
            self.parameters = parameters
        }
    }

    package init(tools: [Tool]) { self.tools = tools }
}

/// `session.tools.getCurrentMetadata`: `{tools: [{name, description, input_schema?}] | null}`, the
/// tools the session offers the model now. The schema's key is snake_case on the wire.
package struct CurrentToolsResult: Codable, Sendable, Hashable {
    package var tools: [Tool]?

    package struct Tool: Codable, Sendable, Hashable {
        package var name: String
        package var description: String
        package var inputSchema: JSONValue?

        enum CodingKeys: String, CodingKey {
            case name, description
            case inputSchema = "input_schema"
        }

        package init(name: String, description: String, inputSchema: JSONValue?) {
            self.name = name
            self.description = description
            self.inputSchema = inputSchema
        }
    }

    package init(tools: [Tool]?) { self.tools = tools }
}

// MARK: - Secrets and providers

/// `secrets.addFilterValues`: `{values}`.
package struct SecretValuesParams: Codable, Sendable, Hashable {
    package var values: [String]
    package init(values: [String]) { self.values = values }
}

/// `{ok}`.
package struct OKResult: Codable, Sendable, Hashable {
    package var ok: Bool
    package init(ok: Bool) { self.ok = ok }
}

/// `session.provider.add`: named providers and the models they serve, added to a live session.
package struct ProviderAddParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var providers: [SessionCreateParams.Provider]?
    package var models: [SessionCreateParams.ProviderModel]?
    package init(sessionId: String, providers: [SessionCreateParams.Provider]? = nil, models: [SessionCreateParams.ProviderModel]? = nil) {
        self.sessionId = sessionId
        self.providers = providers
        self.models = models
    }
}

/// `{models}`: the selectable entries the call added (`id` is `provider/id`).
package struct ProviderAddResult: Codable, Sendable, Hashable {
    package var models: [JSONValue]
    package init(models: [JSONValue]) { self.models = models }
}

/// `session.model.list`: `{list}`, the models the session may switch to (named providers' models as `provider/id`).
package struct SessionModelListResult: Codable, Sendable, Hashable {
    package var list: [JSONValue]
    package init(list: [JSONValue]) { self.list = list }
}

// MARK: - Queue, history, completions, visibility

/// `session.queue.pendingItems`: the messages waiting for the agent, and steering messages not yet read.
package struct PendingItemsResult: Codable, Sendable, Hashable {
    package var items: [Item]
    package var steeringMessages: [String]

    package struct Item: Codable, Sendable, Hashable {
        package var id: String
        /// `message` or `command`.
        package var kind: String
        package var displayText: String
        /// `interactive`, `plan`, `autopilot` or `shell`.
        package var agentMode: String
        package var messageId: String?
        package init(id: String, kind: String, displayText: String, agentMode: String, messageId: String?) {
            self.id = id
            self.kind = kind
            self.displayText = displayText
            self.agentMode = agentMode
            self.messageId = messageId
        }
    }

    package init(items: [Item], steeringMessages: [String]) {
        self.items = items
        self.steeringMessages = steeringMessages
    }
}

/// `session.history.listRewindPoints`: `{fileChangeTrackingEnabled, points, unavailableReason?}`.
package struct RewindPointsResult: Codable, Sendable, Hashable {
    package var fileChangeTrackingEnabled: Bool
    package var points: [JSONValue]
    package var unavailableReason: String?
    package init(fileChangeTrackingEnabled: Bool, points: [JSONValue], unavailableReason: String?) {
        self.fileChangeTrackingEnabled = fileChangeTrackingEnabled
        self.points = points
        self.unavailableReason = unavailableReason
    }
}

/// `session.completions.request`: `{text, offset}` (offset in UTF-16 code units).
package struct CompletionsParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var text: String
    package var offset: Int
    package init(sessionId: String, text: String, offset: Int) {
        self.sessionId = sessionId
        self.text = text
        self.offset = offset
    }
}

/// `session.completions.getTriggerCharacters`: `{triggerCharacters}`; empty disables host-driven completions.
package struct TriggerCharactersResult: Codable, Sendable, Hashable {
    package var triggerCharacters: [String]
    package init(triggerCharacters: [String]) { self.triggerCharacters = triggerCharacters }
}

/// `{items: [{insertText, label?, kind?, rangeStart?, rangeEnd?}]}`.
package struct CompletionsResult: Codable, Sendable, Hashable {
    package var items: [JSONValue]
    package init(items: [JSONValue]) { self.items = items }
}

/// `session.visibility.set`: `{status: repo | unshared}`.
package struct VisibilitySetParams: Codable, Sendable, Hashable {
    package var sessionId: String
    package var status: String
    package init(sessionId: String, status: String) {
        self.sessionId = sessionId
        self.status = status
    }
}

/// `{synced, status?, shareUrl?}`: whether the session is shared through GitHub.
package struct VisibilityResult: Codable, Sendable, Hashable {
    package var synced: Bool
    package var status: String?
    package var shareUrl: String?
    package init(synced: Bool, status: String? = nil, shareUrl: String? = nil) {
        self.synced = synced
        self.status = status
        self.shareUrl = shareUrl
    }
}

// MARK: - Context attribution

/// `session.metadata.getContextAttribution`: what fills the context window, by source.
package struct ContextAttributionResult: Codable, Sendable, Hashable {
    package var contextAttribution: Attribution?

    package struct Attribution: Codable, Sendable, Hashable {
        package var totalTokens: Int
        package var limit: Int
        package var promptTokenLimit: Int
        package var bufferTokens: Int
        package var compactionThreshold: Int
        package var modelId: String
        /// Where the limits come from: `model` (the model's capabilities) or `default`.
        package var modelSource: String
        package var compactions: Compactions
        package var categories: Categories
        package var entries: [Entry]

        package struct Compactions: Codable, Sendable, Hashable {
            package var count: Int
            package init(count: Int) { self.count = count }
        }

        package struct Categories: Codable, Sendable, Hashable {
            package var systemPrompt: Int
            package var customInstructions: Int
            package var systemTools: Int
            package var mcpTools: Int
            package var messages: Int
            package var freeSpace: Int
            package var buffer: Int
            package init(systemPrompt: Int, customInstructions: Int, systemTools: Int, mcpTools: Int, messages: Int, freeSpace: Int, buffer: Int) {
                self.systemPrompt = systemPrompt
                self.customInstructions = customInstructions
                self.systemTools = systemTools
                self.mcpTools = mcpTools
                self.messages = messages
                self.freeSpace = freeSpace
                self.buffer = buffer
            }
        }

        package struct Entry: Codable, Sendable, Hashable {
            package var id: String
            package var kind: String
            package var label: String
            package var tokens: Int
            package var parentId: String?
            package init(id: String, kind: String, label: String, tokens: Int, parentId: String? = nil) {
                self.id = id
                self.kind = kind
                self.label = label
                self.tokens = tokens
                self.parentId = parentId
            }
        }

        package init(
            totalTokens: Int, limit: Int, promptTokenLimit: Int, bufferTokens: Int, compactionThreshold: Int, modelId: String,
            modelSource: String, compactions: Compactions, categories: Categories, entries: [Entry]
        ) {
            self.totalTokens = totalTokens
            self.limit = limit
            self.promptTokenLimit = promptTokenLimit
            self.bufferTokens = bufferTokens
            self.compactionThreshold = compactionThreshold
            self.modelId = modelId
            self.modelSource = modelSource
            self.compactions = compactions
            self.categories = categories
            self.entries = entries
        }
    }

    package init(contextAttribution: Attribution?) { self.contextAttribution = contextAttribution }
}
