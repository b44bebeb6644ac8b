package import CopilotCore

/// One method of the protocol: its name and the types of its params and result. Both sides name
/// a method only through the table in ``RPC``, so a name or a payload shape cannot drift.
package struct RPCMethod<Params: Codable & Sendable, Result: Codable & Sendable>: Sendable {
    package let name: String
    package init(_ name: String) { self.name = name }
}

/// One notification of the protocol: its name and the type of its params.
package struct RPCNotification<Params: Codable & Sendable>: Sendable {
    package let name: String
    package init(_ name: String) { self.name = name }
}

/// Every method and notification of the Copilot CLI protocol (v3) that this package speaks.
package enum RPC {
    // MARK: Client → runtime, not tied to a session
    package static let connect = RPCMethod<ConnectParams, ConnectResult>("connect")
    package static let ping = RPCMethod<PingParams, PingResult>("ping")
    package static let statusGet = RPCMethod<EmptyParams, StatusResult>("status.get")
    package static let authGetStatus = RPCMethod<EmptyParams, AuthStatusResult>("auth.getStatus")
    package static let modelsList = RPCMethod<EmptyParams, ModelsListResult>("models.list")
    package static let runtimeShutdown = RPCMethod<EmptyParams, EmptyResult>("runtime.shutdown")
    package static let sessionCreate = RPCMethod<SessionCreateParams, SessionCreateResult>("session.create")
    package static let sessionResume = RPCMethod<SessionCreateParams, SessionCreateResult>("session.resume")
    package static let sessionList = RPCMethod<SessionListParams, SessionListResult>("session.list")
    package static let sessionGetLastId = RPCMethod<EmptyParams, SessionLastIDResult>("session.getLastId")
    package static let sessionGetMetadata = RPCMethod<SessionIDParams, SessionMetadataResult>("session.getMetadata")
    package static let sessionDelete = RPCMethod<SessionIDParams, SuccessResult>("session.delete")

    // MARK: Client → runtime, for one session (every params type carries `sessionId`)
    package static let sessionSend = RPCMethod<SessionSendParams, SessionSendResult>("session.send")
    package static let sessionSendAndWait = RPCMethod<SessionSendParams, SessionSendAndWaitResult>("session.sendAndWait")
    package static let sessionAbort = RPCMethod<SessionIDParams, EmptyResult>("session.abort")
    package static let sessionDetach = RPCMethod<SessionIDParams, SuccessResult>("session.detach")
    package static let sessionDestroy = RPCMethod<SessionIDParams, SuccessResult>("session.destroy")
    package static let sessionGetMessages = RPCMethod<SessionIDParams, SessionMessagesResult>("session.getMessages")
    package static let sessionModelSwitchTo = RPCMethod<ModelSwitchParams, ModelSwitchResult>("session.model.switchTo")
    package static let sessionLog = RPCMethod<SessionLogParams, SessionLogResult>("session.log")
    package static let sessionToolsHandlePendingToolCall = RPCMethod<PendingToolCallAnswer, SuccessResult>(
        "session.tools.handlePendingToolCall")
    package static let sessionPermissionsHandlePendingPermissionRequest = RPCMethod<PendingPermissionAnswer, SuccessResult>(
        "session.permissions.handlePendingPermissionRequest")

    // MARK: Runtime → client
    package static let hooksInvoke = RPCMethod<HookInvocationParams, HookInvocationResult>("hooks.invoke")
    package static let userInputRequest = RPCMethod<UserInputRequestParams, UserInputRequestResult>("userInput.request")
    package static let systemMessageTransform = RPCMethod<SystemMessageTransformParams, SystemMessageTransformResult>("systemMessage.transform")
    package static let providerTokenGetToken = RPCMethod<ProviderTokenParams, ProviderTokenResult>("providerToken.getToken")

    // MARK: Notifications, runtime → client
    package static let sessionEvent = RPCNotification<SessionEventNotification>("session.event")
    package static let sessionLifecycle = RPCNotification<SessionLifecycleNotification>("session.lifecycle")
}
