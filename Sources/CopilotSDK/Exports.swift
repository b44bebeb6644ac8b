// `import CopilotSDK` is all an app needs: the public types of the layers below are re-exported one by
// one, so the engine and the plumbing (which are `package`) stay out of the app's namespace.

// Values every layer shares.
@_exported public import enum CopilotCore.JSONValue
@_exported public import struct CopilotCore.SessionEvent
@_exported public import struct CopilotCore.SessionEventKind
@_exported public import struct CopilotCore.PermissionRequest
@_exported public import struct CopilotCore.Attachment

// Providers: where model calls go and how.
@_exported public import struct CopilotProviders.ProviderConfig
@_exported public import struct CopilotProviders.BearerTokenProvider
@_exported public import struct CopilotProviders.ProviderError
@_exported public import struct CopilotProviders.HTTPTimeouts
@_exported public import struct CopilotProviders.RetryPolicy
@_exported public import struct CopilotProviders.ModelInfo
@_exported public import struct CopilotProviders.ModelCapabilities
@_exported public import struct CopilotProviders.ModelSupports
@_exported public import struct CopilotProviders.ModelLimits
@_exported public import protocol CopilotProviders.HTTPTransport
@_exported public import struct CopilotProviders.HTTPTransportRequest
@_exported public import struct CopilotProviders.HTTPTransportResponse
@_exported public import struct CopilotProviders.HTTPResponseBody
@_exported public import struct CopilotProviders.HeaderFields

// Sessions: configuration, tools, permissions, hooks, stores, errors.
@_exported public import struct CopilotRuntime.SessionConfig
@_exported public import enum CopilotRuntime.SystemMessage
@_exported public import struct CopilotRuntime.MessageOptions
@_exported public import struct CopilotRuntime.Tool
@_exported public import struct CopilotRuntime.ToolInvocation
@_exported public import struct CopilotRuntime.ToolResult
@_exported public import struct CopilotRuntime.MCPServerConfig
@_exported public import struct CopilotRuntime.MCPServerStatus
@_exported public import struct CopilotRuntime.MCPAuthHandler
@_exported public import struct CopilotRuntime.MCPAuthRequest
@_exported public import enum CopilotRuntime.MCPAuthResult
@_exported public import struct CopilotRuntime.BuiltInTool
@_exported public import struct CopilotRuntime.PermissionHandler
@_exported public import struct CopilotRuntime.PermissionDecision
@_exported public import struct CopilotRuntime.PermissionInvocation
@_exported public import struct CopilotRuntime.UserInputHandler
@_exported public import struct CopilotRuntime.UserInputRequest
@_exported public import struct CopilotRuntime.UserInputResponse
@_exported public import struct CopilotRuntime.ElicitationHandler
@_exported public import struct CopilotRuntime.ElicitationRequest
@_exported public import struct CopilotRuntime.ElicitationResult
@_exported public import struct CopilotRuntime.ElicitationUnavailable
@_exported public import struct CopilotRuntime.SessionHooks
@_exported public import protocol CopilotRuntime.HookInput
@_exported public import struct CopilotRuntime.PreToolUseInput
@_exported public import struct CopilotRuntime.PreMcpToolCallInput
@_exported public import struct CopilotRuntime.PreMcpToolCallOutput
@_exported public import struct CopilotRuntime.PreToolUseOutput
@_exported public import struct CopilotRuntime.PostToolUseInput
@_exported public import struct CopilotRuntime.PostToolUseOutput
@_exported public import struct CopilotRuntime.PostToolUseFailureInput
@_exported public import struct CopilotRuntime.PostToolUseFailureOutput
@_exported public import struct CopilotRuntime.UserPromptTransformedInput
@_exported public import struct CopilotRuntime.UserPromptTransformedOutput
@_exported public import struct CopilotRuntime.AgentStopInput
@_exported public import struct CopilotRuntime.AgentStopOutput
@_exported public import struct CopilotRuntime.UserPromptSubmittedInput
@_exported public import struct CopilotRuntime.UserPromptSubmittedOutput
@_exported public import struct CopilotRuntime.SessionStartInput
@_exported public import struct CopilotRuntime.SessionStartOutput
@_exported public import struct CopilotRuntime.SessionEndInput
@_exported public import struct CopilotRuntime.SessionEndOutput
@_exported public import struct CopilotRuntime.ErrorOccurredInput
@_exported public import struct CopilotRuntime.ErrorOccurredOutput
@_exported public import protocol CopilotRuntime.SessionStore
@_exported public import protocol CopilotRuntime.SessionLog
@_exported public import struct CopilotRuntime.StoredSession
@_exported public import struct CopilotRuntime.SessionMetadata
@_exported public import struct CopilotRuntime.SessionStoreError
@_exported public import struct CopilotRuntime.FileSessionStore
@_exported public import struct CopilotRuntime.CopilotError
