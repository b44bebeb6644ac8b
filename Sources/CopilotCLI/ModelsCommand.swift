import CopilotChat
import CopilotRuntime
import CopilotProviders
import ArgumentParser
import CopilotSDK
import Foundation

/// `copilot-swift models`: what the provider serves, as a table.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the models a provider serves.",
        discussion: "Example: copilot-swift models --base-url http://localhost:11434/v1")

    @OptionGroup var provider: ProviderOptions

    @Flag(help: "Print JSON (the official ModelInfo shape) instead of a table.")
    var json = false

    @Option(name: .customLong("log-level"), help: "none, error, warning, notice, info, debug or all (logs go to stderr).")
    var logLevel: LogLevel = .warning

    func run() async throws {
        bootstrapLogging(level: logLevel)
        let client = CopilotClient()
        let models: [ModelInfo]
        do {
            models = try await client.listModels(provider: try provider.providerConfig())
            try await client.stop()
        } catch {
            try? await client.stop()
            StandardStreams.err("error: \(error)\n")
            throw ExitCode.failure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try StandardStreams.out(String(decoding: try encoder.encode(models), as: UTF8.self) + "\n")
        } else {
            try StandardStreams.out(Self.table(models) + "\n")
        }
    }

    /// Two aligned columns, ID and NAME.
    static func table(_ models: [ModelInfo]) -> String {
        let width = max(2, models.map(\.id.count).max() ?? 0)
        var lines = ["ID".padding(toLength: width, withPad: " ", startingAt: 0) + "  NAME"]
        for model in models {
            lines.append(model.id.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + model.name)
        }
        if models.isEmpty { lines.append("(no models)") }
        return lines.joined(separator: "\n")
    }
}
