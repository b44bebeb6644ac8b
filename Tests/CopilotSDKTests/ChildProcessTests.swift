import CopilotRuntime
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Child processes: what a shell command inherits")
struct ChildProcessTests {
    @Test("a shell command sees the paths, user and locale, never the runtime's keys and tokens")
    func environmentAllowList() async throws {
        setenv("OPENAI_API_KEY", "sk-child-must-not-see-0123", 1)
        setenv("COPILOT_CONNECTION_TOKEN", "token-child-must-not-see", 1)
        setenv("LC_CHILD_TEST", "kept", 1)
        defer {
            unsetenv("OPENAI_API_KEY")
            unsetenv("COPILOT_CONNECTION_TOKEN")
            unsetenv("LC_CHILD_TEST")
        }
        let result = try await ShellCommand.run("env", workingDirectory: FileManager.default.temporaryDirectory.path, environment: ["ASKED_FOR": "yes"])
        let names = Set(result.standardOutput.split(separator: "\n").compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) })
        #expect(!names.contains("OPENAI_API_KEY") && !names.contains("COPILOT_CONNECTION_TOKEN"))
        #expect(!result.standardOutput.contains("child-must-not-see"))
        #expect(names.contains("PATH") && names.contains("LC_CHILD_TEST") && names.contains("ASKED_FOR"))
    }

    #if os(Linux)
    @Test("a shell command starts with no signal blocked and SIGPIPE not ignored, whatever the runtime blocks")
    func signalMask() async throws {
        // The runtime itself ignores SIGPIPE (NIO does it too, so this is left in place: tests run in
        // parallel, and restoring the default could let another test's closed pipe end the process).
        signal(SIGPIPE, SIG_IGN)
        let result = try await ShellCommand.run(
            "grep -E '^Sig(Blk|Ign):' /proc/self/status", workingDirectory: FileManager.default.temporaryDirectory.path)
        let fields = Dictionary(uniqueKeysWithValues: result.standardOutput.split(separator: "\n").compactMap { line -> (String, UInt64)? in
            let parts = line.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let mask = UInt64(parts[1], radix: 16) else { return nil }
            return (parts[0], mask)
        })
        #expect(fields["SigBlk"] == 0)
        let pipeBit = UInt64(1) << UInt64(SIGPIPE - 1)
        #expect(fields["SigIgn"].map { $0 & pipeBit == 0 } == true)
    }
    #endif
}
