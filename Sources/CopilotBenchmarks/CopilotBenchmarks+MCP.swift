import CopilotCore
import CopilotMCP
import CopilotProviders
import CopilotRuntime
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// One MCP tool call's round trip: our client (``MCPConnection``) over our stdio and Streamable HTTP
/// transports beside the official Python `mcp` client (scripts/mcp_bench_peer.py), both calling
/// `forecast` on Tests/Interop/mcp_server.py in this run.
extension CopilotBenchmarks {
    /// Timed calls per round, after ``mcpWarmup`` untimed ones, on one connection.
    static let mcpCalls = 300
    /// Rounds per transport, ours and the peer's in turn, so a change in the machine's load
    /// meets both; the figures are the median of the rounds'.
    static let mcpRounds = 5
    static let mcpWarmup = 20
    static let mcpPeerName = "Python mcp 2.3.0 Client"

    static func mcpRoundTrip(_ options: Options, table: inout Table) async throws {
        let root = FileManager.default.currentDirectoryPath
        // Absolute: a child's program is never looked up on PATH, and the venv's python must keep its path.
        let python = options.mcpPython.hasPrefix("/") ? options.mcpPython : root + "/" + options.mcpPython
        let server = root + "/Tests/Interop/mcp_server.py"
        let peer = root + "/scripts/mcp_bench_peer.py"
        guard FileManager.default.isExecutableFile(atPath: python), FileManager.default.fileExists(atPath: server) else {
            table.note("MCP round trip: skipped (no \(python); scripts/test.sh makes that venv with the mcp package)")
            return
        }
        table.note(
            "MCP round trip: `forecast` on Tests/Interop/mcp_server.py, \(mcpRounds) rounds per transport, ours then the peer's, each"
                + " \(mcpCalls) calls after \(mcpWarmup) warm-up on one connection; the median of the rounds' figures; both clients speak protocol 2025-11-25 (the Python one with mode=\"legacy\")")
        let logger = Logger(label: "copilot-benchmarks.mcp")

        // stdio: each client starts its own server, once per round.
        let command = [python, server].map(shellQuoted).joined(separator: " ")
        var oursStdio: [RoundFigures] = []
        var peerStdio: [RoundFigures] = []
        for _ in 0..<mcpRounds {
            let stdio = StdioTransport(
                ChildProcess.Configuration(executable: python, arguments: [server], workingDirectory: root),
                scope: "copilot-benchmarks-mcp", logger: logger)
            oursStdio.append(RoundFigures(try await mcpCallTimes(over: stdio)))
            peerStdio.append(try mcpPeerFigures(python: python, peer: peer, transport: "stdio", server: command))
        }
        mcpRows("stdio", ours: oursStdio, peer: peerStdio, table: &table)

        // Streamable HTTP: one server process, called by ours and by the peer in turn.
        let (process, port) = try await startHTTPMCPServer(python: python, script: server)
        defer {
            // Killed: uvicorn's graceful stop would wait for a client's open event stream.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let url = "http://127.0.0.1:\(port)/mcp"
        var oursHTTP: [RoundFigures] = []
        var peerHTTP: [RoundFigures] = []
        for _ in 0..<mcpRounds {
            let http = StreamableHTTPTransport(
                url: url, headers: [:], http: AsyncHTTPClientTransport.shared(timeouts: HTTPTimeouts(connect: .seconds(5), idle: .seconds(60))),
                logger: logger)
            oursHTTP.append(RoundFigures(try await mcpCallTimes(over: http)))
            peerHTTP.append(try mcpPeerFigures(python: python, peer: peer, transport: "http", server: url))
        }
        mcpRows("Streamable HTTP", ours: oursHTTP, peer: peerHTTP, table: &table)
    }

    /// One round's p50 and p99 (µs).
    struct RoundFigures {
        var p50: Double
        var p99: Double
        init(p50: Double, p99: Double) {
            self.p50 = p50
            self.p99 = p99
        }
        init(_ times: [Double]) { self.init(p50: percentile(times, 0.5), p99: percentile(times, 0.99)) }
    }

    /// Connects our client (``MCPConnection``, as a session's MCP tools use it) over `transport`,
    /// checks one answer, and times ``mcpCalls`` calls (µs).
    static func mcpCallTimes(over transport: some MCPTransport) async throws -> [Double] {
        let connection = try await MCPConnection.open(
            transport, timeout: .seconds(30), logger: Logger(label: "copilot-benchmarks.mcp"), elicit: { _ in .decline }, toolsChanged: {})
        do {
            let first = try await callForecast(connection)
            let expected: JSONValue = ["city": "Oslo", "celsius": 18]
            guard first["isError"] != true, first["structuredContent"] == expected else {
                throw BenchmarkError("unexpected answer from the MCP server's forecast: \(first)")
            }
            // The checked call above is the first of the warm-up.
            for _ in 1..<max(1, mcpWarmup) { _ = try await callForecast(connection) }
            var times: [Double] = []
            times.reserveCapacity(mcpCalls)
            for _ in 0..<mcpCalls {
                let started = ContinuousClock.now
                _ = try await callForecast(connection)
                times.append(seconds(started.duration(to: .now)) * 1_000_000)
            }
            await connection.close()
            return times
        } catch {
            // Also ends the transport: the stdio server, or the HTTP session.
            await connection.close()
            throw BenchmarkError("MCP round trip: \(error)" + (transport.errorTail.isEmpty ? "" : "; the server wrote: \(transport.errorTail)"))
        }
    }

    static func callForecast(_ connection: MCPConnection) async throws -> JSONValue {
        try await connection.call("forecast", arguments: ["city": "Oslo"])
    }

    /// The Python peer's p50 and p99 (µs) against the same server.
    static func mcpPeerFigures(python: String, peer: String, transport: String, server: String) throws -> RoundFigures {
        let output = try runProcess(
            "/usr/bin/timeout", ["300", python, peer, transport, server, String(mcpCalls), "--warmup", String(mcpWarmup)])
        let json = try JSONValue(parsing: output)
        guard json["calls"]?.intValue == mcpCalls, let p50 = json["p50_us"].flatMap(number), let p99 = json["p99_us"].flatMap(number) else {
            throw BenchmarkError("the MCP \(transport) peer printed \(output)")
        }
        return RoundFigures(p50: p50, p99: p99)
    }

    static func mcpRows(_ transport: String, ours: [RoundFigures], peer: [RoundFigures], table: inout Table) {
        func median(_ values: [Double]) -> Double { percentile(values, 0.5) }
        table.row(
            "MCP tool call round trip, \(transport), p50 (µs)", ours: Stats([median(ours.map(\.p50))]), peer: Stats([median(peer.map(\.p50))]),
            peerName: mcpPeerName)
        table.row(
            "MCP tool call round trip, \(transport), p99 (µs)", ours: Stats([median(ours.map(\.p99))]), peer: Stats([median(peer.map(\.p99))]),
            peerName: mcpPeerName)
        let rounds = zip(ours, peer).map { String(format: "%.0f/%.0f", $0.p50, $1.p50) }.joined(separator: ", ")
        table.note("MCP \(transport), each round's p50 ours/peer (µs): \(rounds)")
    }

    /// Starts Tests/Interop/mcp_server.py serving Streamable HTTP on a free loopback port, once it accepts connections.
    static func startHTTPMCPServer(python: String, script: String) async throws -> (Process, Int) {
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "http", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, process.isRunning {
            if loopbackAccepts(port) { return (process, port) }
            try await Task.sleep(for: .milliseconds(100))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        throw BenchmarkError("the HTTP MCP server (\(script)) did not start listening on port \(port)")
    }

    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, streamSocketType, 0)
        guard fd >= 0 else { throw BenchmarkError("no socket for a free port (errno \(errno))") }
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw BenchmarkError("no free loopback port (errno \(errno))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func loopbackAccepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, streamSocketType, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    static var streamSocketType: Int32 {
        #if canImport(Glibc)
        return Int32(SOCK_STREAM.rawValue)
        #else
        return SOCK_STREAM
        #endif
    }

    /// `text` as one word for a POSIX shell (the peer splits its command with Python's shlex).
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
