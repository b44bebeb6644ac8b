import CopilotChat
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
            With no arguments at a terminal, it starts `chat`. Started with flags only (as the official SDKs start the Copilot CLI: --headless --stdio, --port N, …),
            copilot-swift runs as the protocol server, so it can be the official SDKs' COPILOT_CLI_PATH.
            """,
        version: "0.1.0",
        subcommands: [ChatCommand.self, RunCommand.self, ModelsCommand.self, ServerCommand.self, SessionsCommand.self])
}

@main
enum Entry {
    /// Flags that belong to the root command rather than to the server.
    private static let rootFlags: Set<String> = ["-h", "--help", "--version", "--generate-completion-script", "--experimental-dump-help"]

    static func main() async {
        StandardStreams.ignoreBrokenPipes()
        var arguments = Array(CommandLine.arguments.dropFirst())
        // A person who types just `copilot-swift` at a terminal gets a chat.
        if arguments.isEmpty, isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 { arguments = ["chat"] }
        if let first = arguments.first, first.hasPrefix("-"), !rootFlags.contains(first) {
            arguments.insert("server", at: 0)
        }
        var command: any ParsableCommand
        do {
            command = try CopilotSwift.parseAsRoot(arguments)
        } catch {
            // Arguments that cannot be parsed say so in words a program that spawned this one
            // (an official SDK, which shows our stderr) can match, then the parser's details.
            if CopilotSwift.exitCode(for: error) == .validationFailure {
                StandardStreams.err("copilot-swift: invalid arguments.\n")
            }
            CopilotSwift.exit(withError: error)
        }
        // This program owns its children: orphans of the ones it starts are re-parented here (Linux),
        // and what an earlier runtime killed before it could end its children left behind ends now.
        ProcessOwner.shared.adoptOrphans()
        ProcessOwner.endOrphansOfEndedOwners()
        let failure: (any Error)?
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            failure = nil
        } catch {
            failure = error
        }
        // Whatever a session started and did not end (its sessions were not closed) ends with the program.
        await ProcessOwner.shared.endAll()
        switch failure {
        case nil:
            return
        case let error as StandardStreams.WriteError:
            StandardStreams.err("copilot-swift: \(error)\n")
            CopilotSwift.exit(withError: ExitCode(StandardStreams.outputFailedStatus))
        case let error as ValidationError:
            // A setting found wrong once the command runs (an unset variable, a bad URL, standard
            // input that is not a pipe): one line and the usage-error status, without the usage text.
            StandardStreams.err("copilot-swift: \(error.message)\n")
            CopilotSwift.exit(withError: ExitCode.validationFailure)
        case let error?:
            CopilotSwift.exit(withError: error)
        }
    }
}
