// `import CopilotSDK` is all an app needs: the value types of the layers below come with it.
@_exported public import CopilotProviders
@_exported public import CopilotRuntime
