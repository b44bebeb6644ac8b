import CopilotRuntime
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Child processes: what they inherit, and that they end with their scope")
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

    #if os(Linux)
    @Test("ending a scope ends its children's groups and the grandchildren that left them; other scopes keep theirs")
    func scopeEndsEscapedGrandchildren() async throws {
        let owner = ProcessOwner.shared
        let seconds = Int.random(in: 600_000...699_999)
        let directory = FileManager.default.temporaryDirectory.path
        let escaping = "sleep \(seconds) & setsid sleep \(seconds) </dev/null >/dev/null 2>&1 & echo started"
        let ended = try owner.spawn(.shell(escaping, in: directory), scope: "ended-\(seconds)")
        let kept = try owner.spawn(.shell("exec sleep \(seconds + 1)", in: directory), scope: "kept-\(seconds)")
        // The shell exits at once; its first sleeper stays in its group (holding its output open).
        _ = await ended.waitForExit()
        #expect(try await eventually { sleepers(seconds).count == 2 })

        await owner.end(scope: "ended-\(seconds)")
        #expect(sleepers(seconds).isEmpty)
        #expect(sleepers(seconds + 1).count == 1)

        await owner.end(scope: "kept-\(seconds)")
        #expect(await kept.waitForExit() == 128 + SIGTERM)
    }

    @Test("a child carries its owner's mark, and a child's mark whose owner has ended is found and ended", .timeLimit(.minutes(1)))
    func marksNameTheirOwner() async throws {
        let result = try await ShellCommand.run("printf %s \"$\(ProcessOwner.markName)\"", workingDirectory: "/", scope: "marked")
        #expect(result.standardOutput == ProcessOwner.shared.identity + "/marked")

        // A process marked by an owner that no longer runs (pid 1 never started at tick 1).
        let seconds = Int.random(in: 600_000...699_999)
        let orphan = try ProcessOwner.shared.spawn(
            .shell("exec env \(ProcessOwner.markName)=1.1/gone sleep \(seconds)", in: "/"), scope: "orphans")
        // Every `copilot-swift` that starts sweeps such orphans, and other tests start many: one of
        // them may end this sleeper first. Either way it is this sweep, and it must end by SIGKILL.
        #expect(try await eventually { sleepers(seconds).count == 1 || ended(orphan.pid) })
        _ = ProcessOwner.endOrphansOfEndedOwners()
        #expect(await orphan.waitForExit() == 128 + SIGKILL)
        #expect(sleepers(seconds).isEmpty)
    }

    private func sleepers(_ seconds: Int) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.filter { name in
            guard Int(name) != nil, let command = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(name)/cmdline")) else { return false }
            let state = (try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8))?.split(separator: ")").last?.split(separator: " ").first
            return String(decoding: command, as: UTF8.self) == "sleep\u{0}\(seconds)\u{0}" && state != "Z"
        }
    }

    /// Whether `pid` was killed (a zombie not reaped yet) or is gone.
    private func ended(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
    }

    /// Whether `condition` holds within ten seconds (the machine may be busy with other tests).
    private func eventually(_ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        return condition()
    }
    #endif
}
