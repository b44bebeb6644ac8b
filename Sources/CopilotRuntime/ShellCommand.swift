import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a shell command in its own process group, with a timeout and capped output, and kills the
/// whole group when the timeout passes or the calling task is cancelled.
package enum ShellCommand {
    /// What a finished (or stopped) command left behind.
    package struct Result: Sendable, Hashable {
        /// The exit status; `nil` when the command was killed.
        package var exitCode: Int32?
        package var standardOutput: String
        package var standardError: String
        /// Whether the timeout stopped it.
        package var timedOut: Bool
        /// Whether output beyond the limit was dropped.
        package var truncated: Bool
    }

    /// Runs `/bin/sh -c command` in `workingDirectory` (through ``ProcessOwner``, in `scope`), writing
    /// `input` to its standard input; `timeout` is measured on `clock`.
    ///
    /// - Throws: `CancellationError` when the task is cancelled (the process group is killed first),
    ///   or a `CopilotError` when the process cannot be started.
    package static func run(
        _ command: String, workingDirectory: String, input: String = "", environment: [String: String] = [:],
        timeout: Duration = .seconds(60), clock: any Clock<Duration> = ContinuousClock(), outputLimit: Int = 64 * 1024,
        scope: String = "commands"
    ) async throws -> Result {
        let process = try ProcessOwner.shared.spawn(.shell(command, in: workingDirectory, environment: environment), scope: scope)
        process.writeInput(input)

        async let output = process.read(process.stdoutFD, limit: outputLimit)
        async let errors = process.read(process.stderrFD, limit: outputLimit)
        let status: Int32? = await withTaskCancellationHandler {
            await withTaskGroup(of: Int32?.self) { group in
                group.addTask { await process.waitForExit() }
                group.addTask {
                    try? await clock.sleep(for: timeout)
                    return nil
                }
                let first = await group.next() ?? nil
                if first == nil { process.signalGroup(SIGKILL) }
                group.cancelAll()
                return first
            }
        } onCancel: {
            process.signalGroup(SIGKILL)
        }
        let (out, outTruncated) = await output
        let (err, errTruncated) = await errors
        try Task.checkCancellation()
        return Result(
            exitCode: status, standardOutput: out, standardError: err, timedOut: status == nil,
            truncated: outTruncated || errTruncated)
    }
}
