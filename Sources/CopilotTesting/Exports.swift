// The values a scripted turn is made of, so `import CopilotTesting` is enough to write one.
@_exported public import struct CopilotCore.ToolCall
@_exported public import struct CopilotProviders.TokenUsage
