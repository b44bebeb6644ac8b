import CopilotRuntime
import CopilotProviders
import ArgumentParser
import Foundation

/// `copilot-swift`: the Copilot SDK for Swift on the command line.
struct CopilotSwift: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copilot-swift",
        abstract: "Run Copilot-style agent sessions against your own model provider (BYOK).",
        discussion: """
            Started with flags only (as the official SDKs start the Copilot CLI: --headless --stdio, --port N, …),
            copilot-swift runs as the protocol server, so it can be the official SDKs' COPILOT_CLI_PATH.
            """,
        version: "0.1.0",
        subcommands: [RunCommand.self, ModelsCommand.self, ServerCommand.self])
}

@main
enum Entry {
    /// Flags that belong to the root command rather than to the server.
    private static let rootFlags: Set<String> = ["-h", "--help", "--version", "--generate-completion-script", "--experimental-dump-help"]

    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, first.hasPrefix("-"), !rootFlags.contains(first) {
            arguments.insert("server", at: 0)
        }
        do {
            var command = try CopilotSwift.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // Arguments that cannot be parsed say so in words a program that spawned this one
            // (an official SDK, which shows our stderr) can match, then the parser's details.
            if CopilotSwift.exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data("copilot-swift: invalid arguments.\n".utf8))
            }
            CopilotSwift.exit(withError: error)
        }
    }
}
