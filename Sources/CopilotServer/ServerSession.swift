import CopilotProtocol
import CopilotCore
import CopilotProviders
import CopilotRuntime
import Foundation
import Synchronization

/// One session as the protocol server holds it: its ``SessionHost``, which connections listen, and
/// the tool calls and permission requests waiting for a client's answer.
final class ServerSession: Sendable {
    let id: String
    /// The host, set once right after creation (the host's callbacks need this object first).
    var host: SessionHost? { state.withLock { $0.host } }
    var engine: SessionEngine? { host?.engine }

    /// An answer slot: filled by whichever comes first, the waiting call or the client's answer.
    private enum Slot {
        case waiting(CheckedContinuation<JSONValue, any Error>)
        case answered(JSONValue)
        case announced
    }

    /// Where the session's model calls go (for `session.provider.getEndpoint`).
    var provider: ProviderConfig? { state.withLock { $0.provider } }
    /// The application that created the session.
    var clientName: String? { state.withLock { $0.clientName } }

    /// The session's named providers and the models they serve (`provider/id`), from `session.create`
    /// and `session.provider.add`.
    var namedProviders: (providers: [SessionCreateParams.Provider], models: [SessionCreateParams.ProviderModel]) {
        state.withLock { ($0.namedProviders, $0.namedModels) }
    }

    /// The provider the session was created with, while calls go to a named provider's model instead.
    var replacedProvider: ProviderConfig? { state.withLock { $0.replacedProvider } }

    private struct State {
        var host: SessionHost?
        var provider: ProviderConfig?
        var replacedProvider: ProviderConfig?
        var namedProviders: [SessionCreateParams.Provider] = []
        var namedModels: [SessionCreateParams.ProviderModel] = []
        var clientName: String?
        var providerSender: UUID?
        var replacedSender: UUID?
        /// Which connection sent each named provider.
        var namedSenders: [String: UUID] = [:]
        var subscribers: [UUID: RPCConnection] = [:]
        /// The tools each client brought (the creator's with `session.create`, a joiner's with
        /// `session.resume`), so that they go on being offered when the session is taken up again.
        var toolsBrought: [UUID: [SessionCreateParams.ToolParams]] = [:]
        /// The client whose tools are the session's own (the config's `tools`: it created the session
        /// or took it up again).
        var configToolsOwner: UUID?
        var owner: RPCConnection?
        var slots: [String: Slot] = [:]
        /// What each connected client does for the session's UI: answers forms, offers commands.
        var clientUI: [UUID: ClientUI] = [:]
        /// What the host told MCP Apps about itself (`session.mcp.apps.setHostContext`).
        var appsHostContext: JSONValue?
        /// The event types clients said they handle (`session.eventLog.registerInterest`).
        var interests: Set<String> = []
        /// A client shows MCP Apps (`requestMcpApps`).
        var mcpApps = false
        /// Handles of the clients' automatic-model-switch handlers (registered; never asked, as this
        /// runtime does not switch models by itself).
        var autoModeSwitchHandlers: Set<String> = []
    }

    /// Whether a client said it handles events of `type`.
    func hasInterest(in type: String) -> Bool { state.withLock { $0.interests.contains(type) } }

    /// Notes that a client handles events of `type`; says whether that is new.
    func registerInterest(in type: String) -> Bool { state.withLock { $0.interests.insert(type).inserted } }

    /// Whether a client shows MCP Apps.
    var mcpApps: Bool {
        get { state.withLock { $0.mcpApps } }
        set { state.withLock { $0.mcpApps = $0.mcpApps || newValue } }
    }

    /// What the host last told MCP Apps about itself, if anything.
    var appsHostContext: JSONValue? {
        get { state.withLock { $0.appsHostContext } }
        set { state.withLock { $0.appsHostContext = newValue } }
    }

    private let state = Mutex(State())

    /// What one client does for the session's UI.
    struct ClientUI: Sendable, Hashable {
        var elicitation = false
        var commands: [SessionEvent.CommandsChanged.Command] = []
    }

    /// What the session's clients can do for it together: whether one answers forms, and the
    /// commands they offer (each name once, the first client's).
    var ui: (elicitation: Bool, commands: [SessionEvent.CommandsChanged.Command]) {
        state.withLock { state in
            let clients = state.clientUI.values
            var seen = Set<String>()
            let commands = clients.flatMap(\.commands).filter { seen.insert($0.name).inserted }.sorted { $0.name < $1.name }
            return (clients.contains { $0.elicitation }, commands)
        }
    }

    /// Notes what `connection` does for the session's UI (replacing what it said before).
    func noteUI(_ ui: ClientUI, of connection: UUID) {
        state.withLock { $0.clientUI[connection] = ui }
    }

    /// Forgets what `connection` did for the session's UI.
    func forgetUI(of connection: UUID) {
        state.withLock { _ = $0.clientUI.removeValue(forKey: connection) }
    }

    /// What the other clients do for the session's UI (to carry over when it is taken up again).
    func clientUI(byOthersThan connection: UUID) -> [UUID: ClientUI] {
        state.withLock { $0.clientUI.filter { $0.key != connection } }
    }

    init(id: String) {
        self.id = id
    }

    /// Notes what the session was configured with, and which connection sent the provider (its
    /// key and header values go back to that connection only).
    func describe(provider: ProviderConfig?, sentBy sender: UUID?, clientName: String?) {
        state.withLock { state in
            state.provider = provider
            state.providerSender = sender
            state.clientName = clientName
        }
    }

    /// Notes where model calls go after a model switch: a named provider's model (`named`), or the
    /// session's own provider again.
    /// Notes that calls now go to `provider`: a named one (`named`, its name), or the session's own again.
    func describe(provider: ProviderConfig, named: String?) {
        state.withLock { state in
            if named != nil, state.replacedProvider == nil {
                state.replacedProvider = state.provider
                state.replacedSender = state.providerSender
            }
            if let named {
                state.providerSender = state.namedSenders[named]
            } else if state.replacedProvider != nil {
                state.providerSender = state.replacedSender
                state.replacedProvider = nil
            }
            state.provider = provider
        }
    }

    /// Adds named providers, then models, as `session.provider.add` does: a provider name is new and
    /// has no `/`, a model's provider is known, a selection id is new. Nothing is added when any fails.
    ///
    /// - Returns: the models added.
    func register(
        providers: [SessionCreateParams.Provider], models: [SessionCreateParams.ProviderModel], sentBy sender: UUID
    ) throws -> [SessionCreateParams.ProviderModel] {
        try state.withLock { state in
            var known = state.namedProviders
            for provider in providers {
                guard let name = provider.name, !name.isEmpty, !name.contains("/") else {
                    throw CopilotError(code: .invalidConfiguration, message: "A provider needs a `name` without `/` (got `\(provider.name ?? "")`).")
                }
                guard provider.baseUrl?.isEmpty == false else {
                    throw CopilotError(code: .invalidConfiguration, message: "Provider `\(name)` needs a `baseUrl`.")
                }
                guard !known.contains(where: { $0.name == name }) else {
                    throw CopilotError(code: .invalidConfiguration, message: "The session already has a provider named `\(name)`.")
                }
                known.append(provider)
            }
            var selectable = state.namedModels
            for model in models {
                guard known.contains(where: { $0.name == model.provider }) else {
                    throw CopilotError(
                        code: .invalidConfiguration, message: "Model `\(model.id)` names provider `\(model.provider)`, which the session does not have.")
                }
                guard !model.id.isEmpty, !selectable.contains(where: { $0.selectionID == model.selectionID }) else {
                    throw CopilotError(code: .invalidConfiguration, message: "The session already has the model `\(model.selectionID)`.")
                }
                selectable.append(model)
            }
            state.namedProviders = known
            for provider in providers { if let name = provider.name { state.namedSenders[name] = sender } }
            state.namedModels = selectable
            return models
        }
    }

    /// Starts sending the host's events to the listening connections. Call before `host.start()`.
    /// `updated` is called after each event that changes what a session list shows.
    func attach(_ host: SessionHost, updated: @escaping @Sendable () -> Void = {}) {
        state.withLock { $0.host = host }
        _ = host.events.addHandler { [weak self] event in
            self?.deliver(event)
            if Self.changesListing(event) { updated() }
        }
    }

    /// The events after which clients are told `session.updated`.
    private static func changesListing(_ event: SessionEvent) -> Bool {
        switch event.payload {
        case .userMessage, .sessionModeChanged, .sessionTitleChanged, .sessionPlanChanged, .sessionModelChange, .sessionWorkspaceFileChanged,
            .sessionContextChanged, .sessionTaskComplete, .sessionShutdown:
            true
        default:
            false
        }
    }

    /// Ends the session and releases it in the store. The host is let go afterwards: its engine's
    /// callbacks refer to this object, so holding on to it would keep both alive forever.
    func close() async {
        await host?.close()
        state.withLock { $0.host = nil }
    }

    // MARK: Listeners

    func subscribe(_ connection: RPCConnection, asOwner: Bool) {
        state.withLock { state in
            state.subscribers[connection.id] = connection
            if asOwner { state.owner = connection }
        }
    }

    /// Registers an automatic-model-switch handler; returns its handle.
    func registerAutoModeSwitchHandler() -> String {
        let handle = UUID().uuidString.lowercased()
        state.withLock { _ = $0.autoModeSwitchHandlers.insert(handle) }
        return handle
    }

    /// Forgets the handler `handle`; `false` when there is none.
    func unregisterAutoModeSwitchHandler(_ handle: String) -> Bool {
        state.withLock { $0.autoModeSwitchHandlers.remove(handle) != nil }
    }

    /// Whether `connection` is the only client listening to this session.
    func isOnlySubscriber(_ connection: RPCConnection) -> Bool {
        state.withLock { $0.subscribers.count == 1 && $0.subscribers[connection.id] != nil }
    }

    /// Stops sending this session's events to `connection`; returns how many listeners remain.
    @discardableResult
    func unsubscribe(_ connection: RPCConnection) -> Int {
        state.withLock { state in
            state.subscribers.removeValue(forKey: connection.id)
            if state.owner?.id == connection.id { state.owner = state.subscribers.values.first }
            return state.subscribers.count
        }
    }

    /// Notes the tools `connection` brought.
    func noteTools(_ tools: [SessionCreateParams.ToolParams], broughtBy connection: RPCConnection) {
        guard !tools.isEmpty else { return }
        state.withLock { $0.toolsBrought[connection.id] = tools }
    }

    /// Notes that the config's own tools are those `connection` brought.
    func noteConfigTools(broughtBy connection: RPCConnection) {
        state.withLock { $0.configToolsOwner = connection.id }
    }

    /// Forgets the tools `connection` brought: whether it had brought any, and whether they are the
    /// config's own.
    func forgetTools(broughtBy connection: RPCConnection) -> (brought: Bool, configTools: Bool) {
        state.withLock { state in
            let brought = state.toolsBrought.removeValue(forKey: connection.id) != nil
            let own = state.configToolsOwner == connection.id
            if own { state.configToolsOwner = nil }
            return (brought, own && brought)
        }
    }

    /// The tools the other clients still connected brought, by client.
    func toolsBrought(byOthersThan connection: RPCConnection) -> [(RPCConnection, [SessionCreateParams.ToolParams])] {
        state.withLock { state in
            state.toolsBrought.compactMap { id, tools in
                guard id != connection.id, let member = state.subscribers[id] else { return nil }
                return (member, tools)
            }
        }
    }

    /// The connections that receive this session's events.
    var listeners: [RPCConnection] { state.withLock { Array($0.subscribers.values) } }

    /// The session's clients: the connections that created, resumed or joined it and are still there.
    var memberIDs: Set<UUID> { state.withLock { Set($0.subscribers.keys) } }

    /// Whether `connection` may use this session: it is one of its clients, or nobody holds it (a
    /// session whose clients all left waits to be resumed by whoever comes).
    func admits(_ connection: RPCConnection) -> Bool {
        state.withLock { $0.subscribers.isEmpty || $0.subscribers[connection.id] != nil }
    }

    /// Whether `connection` sent the provider's key and headers.
    func sentProvider(_ connection: RPCConnection) -> Bool {
        state.withLock { $0.providerSender == connection.id }
    }

    /// The connection that runs this session's client-side callbacks (hooks, token provider).
    var owner: RPCConnection? { state.withLock { $0.owner } }

    var persistedEvents: [SessionEvent] { host?.persistedEvents ?? [] }

    // MARK: Events

    /// Called for every event, in order: notes a permission request's slot, then sends the event
    /// to every listening connection.
    private func deliver(_ event: SessionEvent) {
        let subscribers = state.withLock { state in
            switch event.payload {
            case .permissionRequested(let request) where state.slots[request.requestId] == nil:
                state.slots[request.requestId] = .announced
            case .elicitationRequested(let request) where state.slots[request.requestId] == nil:
                state.slots[request.requestId] = .announced
            case .mcpOAuthRequired(let request) where state.slots[request.requestId] == nil:
                state.slots[request.requestId] = .announced
            default:
                break
            }
            return Array(state.subscribers.values)
        }
        if !subscribers.isEmpty, let json = try? JSONValue(encoding: SessionEventNotification(sessionId: id, event: event)) {
            for connection in subscribers { connection.notify(RPC.sessionEvent.name, json) }
        }
    }

    // MARK: Pending client answers

    /// Registers `requestID`, runs `announce` (which tells the clients), then waits for the answer.
    func awaitAnswer(for requestID: String, announce: @Sendable () async -> Void = {}) async throws -> JSONValue {
        state.withLock { state in
            if state.slots[requestID] == nil { state.slots[requestID] = .announced }
        }
        await announce()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let early = state.withLock { state -> Result<JSONValue, any Error>? in
                    if case .answered(let value) = state.slots[requestID] {
                        state.slots.removeValue(forKey: requestID)
                        return .success(value)
                    }
                    // Cancelled before the slot waited (the handler below ran first and found nothing
                    // to resume): end now, or this would wait for an answer nobody will send.
                    if Task.isCancelled {
                        state.slots.removeValue(forKey: requestID)
                        return .failure(CancellationError())
                    }
                    state.slots[requestID] = .waiting(continuation)
                    return nil
                }
                if let early { continuation.resume(with: early) }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<JSONValue, any Error>? in
                guard case .waiting(let continuation) = state.slots.removeValue(forKey: requestID) else { return nil }
                return continuation
            }
            waiting?.resume(throwing: CancellationError())
        }
    }

    /// Forgets a request nobody will answer.
    func discardAnswer(for requestID: String) {
        state.withLock { _ = $0.slots.removeValue(forKey: requestID) }
    }

    /// Delivers a client's answer. Returns `false` when nothing asked for `requestID`.
    func answer(_ requestID: String, with value: JSONValue) -> Bool {
        let waiting = state.withLock { state -> (found: Bool, continuation: CheckedContinuation<JSONValue, any Error>?) in
            switch state.slots[requestID] {
            case .waiting(let continuation):
                state.slots.removeValue(forKey: requestID)
                return (true, continuation)
            case .announced:
                state.slots[requestID] = .answered(value)
                return (true, nil)
            case .answered, nil:
                return (false, nil)
            }
        }
        waiting.continuation?.resume(returning: value)
        return waiting.found
    }
}
