// Package.swift: .package(url: "https://github.com/<owner>/copilot-sdk-swift", from: "0.1.0")
//                and the product "CopilotSDK".
import CopilotSDK
import Foundation

struct WeatherArguments: Codable, Sendable { var city: String }

let weather = Tool(
    name: "get_weather",
    description: "Current weather for a city",
    parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]
) { (args: WeatherArguments, _) in
    .success("18°C and cloudy in \(args.city)")
}

let client = CopilotClient()
try await client.start()
let session = try await client.createSession(SessionConfig(
    model: "gpt-5.2-codex",
    provider: ProviderConfig(
        type: .openai,
        baseURL: ProcessInfo.processInfo.environment["FOUNDRY_BASE_URL"] ?? "https://your-resource.openai.azure.com/openai/v1/",
        wireAPI: .responses,
        apiKey: ProcessInfo.processInfo.environment["FOUNDRY_API_KEY"]),
    tools: [weather],
    streaming: true,
    onPermissionRequest: PermissionHandler.approveAll))

session.on(.assistantMessage) { message in print(message.content) }      // callback style

let reply = try await session.sendAndWait(MessageOptions(prompt: "What's the weather in Paris?"))
print(reply.content)

Task { for await event in session.events { print(event.type) } }       // AsyncSequence style
_ = try await session.send("And in Oslo?")

await session.disconnect()
try await client.stop()
