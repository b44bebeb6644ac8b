import ArgumentParser

/// `copilot-swift`: the Copilot SDK for Swift on the command line.
@main
struct CopilotSwift: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copilot-swift",
        abstract: "Run Copilot-style agent sessions against your own model provider (BYOK).",
        version: "0.1.0",
        subcommands: [RunCommand.self, ModelsCommand.self])
}
