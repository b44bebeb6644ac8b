import CopilotRuntime
import Foundation
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Starting a child process: ours (``ProcessOwner`` and ``ChildProcess``: posix_spawn, its own
/// process group, a clean environment, the owner's mark) beside swift-subprocess 1.0.2, which the
/// MCP issue asked us to consider in its place. Each starts `/bin/cat`, writes a line to it, closes
/// its input, reads its output to the end and waits for it to exit; ours and the library's in
/// turn, call after call.
extension CopilotBenchmarks {
    static let spawnCalls = 300
    static let spawnPeerName = "swift-subprocess 1.0.2 run"

    static func spawnRoundTrip(table: inout Table) async throws {
        let line = "ping\n"
        for _ in 0..<20 {
            _ = try await oursCat(line)
            _ = try await peerCat(line)
        }
        var ours: [Double] = []
        var peer: [Double] = []
        for _ in 0..<spawnCalls {
            var started = ContinuousClock.now
            let ourOutput = try await oursCat(line)
            ours.append(seconds(started.duration(to: .now)) * 1_000_000)
            started = ContinuousClock.now
            let peerOutput = try await peerCat(line)
            peer.append(seconds(started.duration(to: .now)) * 1_000_000)
            guard ourOutput == line, peerOutput == line else {
                throw BenchmarkError("cat answered \(ourOutput.debugDescription) (ours) and \(peerOutput.debugDescription) (swift-subprocess)")
            }
        }
        table.note("child process: /bin/cat started, a line written, its input closed, its output read to the end, its exit awaited; \(spawnCalls) times each, in turn")
        table.row("start, talk to and end a child process, p50 (µs)", ours: Stats([percentile(ours, 0.5)]), peer: Stats([percentile(peer, 0.5)]), peerName: spawnPeerName)
        table.row("start, talk to and end a child process, p99 (µs)", ours: Stats([percentile(ours, 0.99)]), peer: Stats([percentile(peer, 0.99)]), peerName: spawnPeerName)
    }

    private static func oursCat(_ line: String) async throws -> String {
        let child = try ProcessOwner.shared.spawn(ChildProcess.Configuration(executable: "/bin/cat"), scope: "copilot-benchmarks-spawn")
        async let output = child.read(child.stdoutFD, limit: 4096)
        async let errors = child.read(child.stderrFD, limit: 4096)
        child.writeInput(line)
        let (text, _) = await output
        _ = await errors
        _ = await child.waitForExit()
        return text
    }

    private static func peerCat(_ line: String) async throws -> String {
        let result = try await Subprocess.run(.path("/bin/cat"), input: .string(line), output: .string(limit: 4096), error: .string(limit: 4096))
        return result.standardOutput
    }
}
