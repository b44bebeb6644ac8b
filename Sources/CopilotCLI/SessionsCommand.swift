import ArgumentParser
import CopilotChat
import CopilotCore
import CopilotPostgres
import CopilotRuntime
import Foundation

/// `copilot-swift sessions list|show|delete`: the stored sessions, where `server` and `chat` keep them.
struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List, show or delete stored sessions.",
        subcommands: [List.self, Show.self, Delete.self])

    /// Which store: the default folder (as `server` uses), `--state-dir`, or `--store postgres://…`.
    struct StoreOptions: ParsableArguments {
        @Option(name: .customLong("state-dir"), help: "The sessions folder (default: $COPILOT_SWIFT_HOME/sessions or the per-user state folder).")
        var stateDirectory: String?

        @Option(help: "Sessions in PostgreSQL instead: postgres://USER@HOST[:PORT]/DB (password in the URL or $PGPASSWORD).")
        var store: String?

        func validate() throws {
            if stateDirectory != nil, store != nil { throw ValidationError("--state-dir and --store cannot be combined.") }
        }

        /// Runs `body` with the store (a PostgreSQL store runs while it does).
        func withStore<Result: Sendable>(_ body: (any SessionStore) async throws -> Result) async throws -> Result {
            if let store {
                let postgres: PostgresSessionStore
                do {
                    postgres = try PostgresSessionStore(url: store)
                } catch {
                    throw ValidationError("\(error)")
                }
                return try await whileRunning(postgres) { try await body(postgres) }
            }
            return try await body(FileSessionStore(directory: stateDirectory.map { URL(fileURLWithPath: $0) } ?? FileSessionStore.defaultDirectory))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The stored sessions, newest first.")
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            let sessions = try await reporting { try await storeOptions.withStore { try await $0.list() } }
            try StandardStreams.out(SessionsCommand.table(sessions) + "\n")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One session: what it is, and its conversation.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The session id.") var id: String

        func run() async throws {
            let (metadata, events) = try await reporting {
                try await storeOptions.withStore { store in
                    guard let metadata = try await store.metadata(id) else { throw SessionStoreError("Session not found: \(id)") }
                    return (metadata, try await store.events(id))
                }
            }
            try StandardStreams.out(SessionsCommand.describe(metadata, events: events) + "\n")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a stored session (refused while a runtime holds it).")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The session id.") var id: String

        func run() async throws {
            try await reporting { try await storeOptions.withStore { try await $0.delete(id) } }
            try StandardStreams.out("deleted \(id)\n")
        }
    }

    /// ID, when it was last used, the model, and its first prompt.
    static func table(_ sessions: [SessionMetadata]) -> String {
        guard !sessions.isEmpty else { return "(no sessions)" }
        let rows = sessions.map { [$0.sessionId, timestamp($0.modifiedAt), $0.model ?? "-", oneLine($0.summary ?? "", limit: 60)] }
        let headers = ["ID", "MODIFIED", "MODEL", "FIRST PROMPT"]
        let widths = headers.indices.map { column in max(headers[column].count, rows.map { $0[column].count }.max() ?? 0) }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }

    /// The session's metadata, then its conversation: prompts, answers, tool calls and errors.
    static func describe(_ metadata: SessionMetadata, events: [SessionEvent]) -> String {
        var lines = [
            "session   \(metadata.sessionId)",
            "model     \(metadata.model ?? "-")" + (metadata.baseURL.map { " at \($0)" } ?? ""),
            "directory \(metadata.workingDirectory ?? "-")",
            "created   \(timestamp(metadata.createdAt)), modified \(timestamp(metadata.modifiedAt))",
            "",
        ]
        for event in events {
            switch event.payload {
            case .userMessage(let message): lines.append("> " + message.content.replacingOccurrences(of: "\n", with: "\n  "))
            case .assistantMessage(let message) where !message.content.isEmpty: lines.append(message.content)
            case .toolExecutionStart(let start):
                lines.append("  [\(start.toolName)\(start.arguments.map { " " + oneLine($0.jsonString, limit: 100) } ?? "")]")
            case .sessionError(let error): lines.append("  error: \(error.message)")
            case .sessionModelChange(let change): lines.append("  [model: \(change.newModel)]")
            default: break
            }
        }
        return lines.joined(separator: "\n")
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

}

/// Runs `body`; a failure is one line on stderr and exit status 1.
func reporting<Result>(_ body: () async throws -> Result) async throws -> Result {
    do {
        return try await body()
    } catch let error as ValidationError {
        throw error
    } catch {
        StandardStreams.err("error: \(error)\n")
        throw ExitCode.failure
    }
}
