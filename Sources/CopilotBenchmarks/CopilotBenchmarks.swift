import CopilotRuntime
import CopilotProviders
import CopilotCore
import CopilotPostgres
import CopilotSDK
import CopilotTesting
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `copilot-benchmarks`: measures the runtime beside its peers, in one run, and prints a table.
/// See BENCHMARKS.md and scripts/bench.sh. Not part of `swift test`.
@main
struct CopilotBenchmarks {
    struct Options {
        var runs = 5
        var chunks = 20_000
        var sessions = 1_000
        var concurrencyRuns = 3
        var python = ".venv-bench/bin/python"
        var peers = "Benchmarks/peers"
        /// A PostgreSQL server for the PostgreSQL store's figures (scripts/bench.sh starts one).
        var postgres: String?
        /// `streams`, `store`, `concurrency`, `mcp` or `spawn`: only those figures.
        var only: String?
        /// A Python with the `mcp` package, for the MCP server and the MCP peer (scripts/test.sh makes it).
        var mcpPython = ".venv/bin/python"
    }

    static func main() async throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "serve" {
            try await serve(chunks: Int(arguments.dropFirst().first ?? "") ?? 20_000)
            return
        }
        if arguments.first == "decode-once", arguments.count == 3, let port = Int(arguments[1]) {
            // For profilers: one streamed answer from a running `serve`, nothing else.
            try await decodeOnce(port: port, wire: arguments[2])
            return
        }
        var options = Options()
        while let flag = arguments.first {
            arguments.removeFirst()
            let value = arguments.isEmpty ? "" : arguments.removeFirst()
            switch flag {
            case "--runs": options.runs = Int(value) ?? options.runs
            case "--chunks": options.chunks = Int(value) ?? options.chunks
            case "--sessions": options.sessions = Int(value) ?? options.sessions
            case "--concurrency-runs": options.concurrencyRuns = Int(value) ?? options.concurrencyRuns
            case "--python": options.python = value
            case "--postgres": options.postgres = value
            case "--only": options.only = value
            case "--mcp-python": options.mcpPython = value
            default: throw BenchmarkError("unknown option \(flag)")
            }
        }
        try await run(options)
    }

    // MARK: The server, in its own process

    /// Serves pre-rendered streams: `chunks` text deltas for model "bench", 200 for "bench-200".
    static func serve(chunks: Int) async throws {
        let long = ScriptedTurn.text(String(repeating: "w ", count: chunks))
        let short = ScriptedTurn.text(String(repeating: "w ", count: 200))
        let tiny = ScriptedTurn.text(String(repeating: "w ", count: 20))
        var bodies: [String: [UInt8]] = [:]
        for wire in ScriptedWire.allCases {
            bodies["\(wire.rawValue)/bench"] = long.renderedStream(for: wire, model: "bench")
            bodies["\(wire.rawValue)/bench-200"] = short.renderedStream(for: wire, model: "bench-200")
            bodies["\(wire.rawValue)/bench-20"] = tiny.renderedStream(for: wire, model: "bench-20")
        }
        let recorded = bodies
        let server = try await ScriptedProviderServer.start { request in
            guard let wire = ScriptedWire(path: request.path.split(separator: "?").first.map(String.init) ?? request.path) else { return nil }
            let requested = request.json?["model"]?.stringValue ?? "bench"
            let model = ["bench-200", "bench-20"].contains(requested) ? requested : "bench"
            return recorded["\(wire.rawValue)/\(model)"].map { ScriptedTurn.recorded($0) }
        }
        FileHandle.standardOutput.write(Data("listening on port \(server.port)\n".utf8))
        while true { try await Task.sleep(for: .seconds(3600)) }
    }

    static func decodeOnce(port: Int, wire: String) async throws {
        let base = "http://127.0.0.1:\(port)"
        let config: ProviderConfig =
            switch wire {
            case "responses": ProviderConfig(type: .openai, baseURL: base + "/v1", wireAPI: .responses)
            case "anthropic": ProviderConfig(type: .anthropic, baseURL: base)
            case "gemini": ProviderConfig(type: .gemini, baseURL: base)
            default: ProviderConfig(type: .openai, baseURL: base + "/v1")
            }
        let transport = AsyncHTTPClientTransport()
        let deltas = Atomic<Int>(0)
        let provider = try config.makeProvider(context: ProviderContext(transport: transport, retryPolicy: .none))
        _ = try await provider.complete(ModelRequest(model: "bench", messages: [.user("go")])) { _ in deltas.add(1, ordering: .relaxed) }
        try await transport.shutdown()
        print("deltas: \(deltas.load(ordering: .relaxed))")
    }

    static func spawnServer(chunks: Int) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["serve", String(chunks)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line.append(byte) }
        guard let port = String(decoding: line, as: UTF8.self).split(separator: " ").last.flatMap({ Int($0) }) else {
            throw BenchmarkError("the benchmark server did not start")
        }
        return (process, port)
    }

    // MARK: Running

    static func run(_ options: Options) async throws {
        var table = Table()
        table.note("machine: \(machine())")
        switch options.only {
        case "store":
            try await store(options, table: &table)
            print(table.render())
            return
        case "concurrency":
            try await concurrency(options, table: &table)
            print(table.render())
            return
        case "mcp":
            try await mcpRoundTrip(options, table: &table)
            print(table.render())
            return
        case "spawn":
            try await spawnRoundTrip(table: &table)
            print(table.render())
            return
        case "streams":
            table.note("runs per figure: \(options.runs) (median, with min–max); stream: \(options.chunks) text deltas")
            let (serverProcess, port) = try spawnServer(chunks: options.chunks)
            defer { serverProcess.terminate() }
            let transport = AsyncHTTPClientTransport()
            try await streams(options, base: "http://127.0.0.1:\(port)", transport: transport, table: &table)
            try await transport.shutdown()
            print(table.render())
            return
        default:
            break
        }
        table.note("runs per figure: \(options.runs) (median, with min–max); stream: \(options.chunks) text deltas")
        // First, while this process is fresh, so its peak RSS is the concurrency run's own.
        try await concurrency(options, table: &table)

        let (serverProcess, port) = try spawnServer(chunks: options.chunks)
        defer { serverProcess.terminate() }
        let base = "http://127.0.0.1:\(port)"

        let transport = AsyncHTTPClientTransport(maxConnectionsPerHost: options.sessions + 8)
        try await streams(options, base: base, transport: transport, table: &table)

        // Session-level: deltas delivered to a session handler.
        let client = CopilotClient(options: CopilotClientOptions(transport: transport, retryPolicy: .none))
        let sessionDeltas = Atomic<Int>(0)
        let session = try await client.createSession(SessionConfig(
            model: "bench", provider: ProviderConfig(type: .openai, baseURL: base + "/v1"), streaming: true))
        session.on(.assistantMessageDelta) { _ in sessionDeltas.add(1, ordering: .relaxed) }
        let throughSession = try await measure(options.runs) { _ = try await session.sendAndWait("go", timeout: .seconds(300)) }
        table.row("stream decoding to a session handler, completions (s)", ours: throughSession, peer: nil, peerName: "")
        await session.disconnect()

        try await turnOverhead(table: &table)
        try turnOverheadThroughServer(options, base: base, table: &table)
        try await coldStart(options, base: base, table: &table)
        try await store(options, table: &table)
        try await mcpRoundTrip(options, table: &table)
        try await client.stop()
        try await transport.shutdown()
        print(table.render())
    }

    /// Each wire's stream decoded by our provider, by the wire's official Python package, and read
    /// without decoding (the limit), from the same loopback server.
    static func streams(_ options: Options, base: String, transport: AsyncHTTPClientTransport, table: inout Table) async throws {
        let context = ProviderContext(transport: transport, retryPolicy: .none)
        let wires: [(String, ProviderConfig, String)] = [
            ("completions", ProviderConfig(type: .openai, baseURL: base + "/v1"), "/v1/chat/completions"),
            ("responses", ProviderConfig(type: .openai, baseURL: base + "/v1", wireAPI: .responses), "/v1/responses"),
            ("anthropic", ProviderConfig(type: .anthropic, baseURL: base), "/v1/messages"),
            ("gemini", ProviderConfig(type: .gemini, baseURL: base), "/v1beta/models/bench:streamGenerateContent?alt=sse"),
        ]
        let peerNames = ["anthropic": "anthropic 2.13.0", "gemini": "google-genai 3.6.1"]
        for (name, config, path) in wires {
            let provider = try config.makeProvider(context: context)
            let request = ModelRequest(model: "bench", messages: [.user("go")])
            let deltas = Atomic<Int>(0)
            let ours = try await measure(options.runs) {
                deltas.store(0, ordering: .relaxed)
                _ = try await provider.complete(request) { _ in deltas.add(1, ordering: .relaxed) }
            }
            guard deltas.load(ordering: .relaxed) == options.chunks else {
                throw BenchmarkError("\(name): got \(deltas.load(ordering: .relaxed)) deltas, expected \(options.chunks)")
            }
            let limit = try await measure(options.runs) {
                var headers = ProviderEndpoint.authHeaders(config: config)
                headers.add(name: "Content-Type", value: "application/json")
                let response = try await transport.execute(HTTPTransportRequest(
                    method: "POST", url: base + path, headers: headers, body: Array(#"{"model":"bench","stream":true}"#.utf8)))
                var bytes = 0
                for try await chunk in response.body { bytes += chunk.count }
            }
            let peer = try peerTimes(options, base: base, wire: name)
            table.row("stream decoding, \(name) (s)", ours: ours, peer: peer, peerName: peerNames[name] ?? "openai 3.57.0")
            table.row("  read-and-discard limit, \(name) (s)", ours: limit, peer: nil, peerName: "")
            table.note("\(name): ours reaches \(percent(limit.median / ours.median)) of the read-only limit")
        }
    }

    static func peerTimes(_ options: Options, base: String, wire: String) throws -> Stats? {
        guard FileManager.default.isExecutableFile(atPath: options.python) else { return nil }
        let output = try runProcess("/usr/bin/timeout", ["600", options.python, options.peers + "/stream_decode.py", base, wire, String(options.runs)])
        let json = try JSONValue(parsing: output)
        guard json["deltas"]?.intValue == options.chunks else {
            throw BenchmarkError("the \(wire) peer saw \(json["deltas"]?.jsonString ?? "?") deltas, expected \(options.chunks)")
        }
        return Stats(json["times"]?.arrayValue?.compactMap { value -> Double? in
            if case .double(let d) = value { return d }
            return value.intValue.map(Double.init)
        } ?? [])
    }

    static func concurrency(_ options: Options, table: inout Table) async throws {
        let (serverProcess, port) = try spawnServer(chunks: 200)
        defer { serverProcess.terminate() }
        let base = "http://127.0.0.1:\(port)"
        let transport = AsyncHTTPClientTransport(maxConnectionsPerHost: options.sessions + 8)
        let rssBefore = currentRSSMegabytes()
        let config = SessionConfig(model: "bench-200", provider: ProviderConfig(type: .openai, baseURL: base + "/v1"), streaming: true)
        var walls: [Double] = []
        var idleRSS = 0.0
        for run in 0..<options.concurrencyRuns {
            let client = CopilotClient(options: CopilotClientOptions(transport: transport, retryPolicy: .none))
            var sessions: [CopilotSession] = []
            for _ in 0..<options.sessions { sessions.append(try await client.createSession(config)) }
            if run == 0 { idleRSS = (currentRSSMegabytes() - rssBefore) * 1024 / Double(options.sessions) }
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for session in sessions {
                    group.addTask { _ = try await session.sendAndWait("go", timeout: .seconds(300)) }
                }
                try await group.waitForAll()
            }
            walls.append(seconds(started.duration(to: .now)))
            try await client.stop()
            sessions.removeAll()
            let afterStop = currentRSSMegabytes()
            // What the allocator keeps but no longer uses, as opposed to memory still held.
            trimMallocArenas()
            table.note(
                String(format: "concurrency run %d: RSS after stop %.0f MB, after malloc_trim %.0f MB", run + 1, afterStop, currentRSSMegabytes()))
        }
        let peak = peakRSSMegabytes()
        try await transport.shutdown()
        var peerWalls: [Double] = []
        var peerRSS: [Double] = []
        if FileManager.default.isExecutableFile(atPath: options.python) {
            for _ in 0..<3 {
                do {
                    let json = try JSONValue(parsing: try runProcess(
                        "/usr/bin/timeout", ["300", options.python, options.peers + "/concurrent_streams.py", base, String(options.sessions)]))
                    if let wall = json["seconds"].flatMap(number) { peerWalls.append(wall) }
                    if let rss = json["peak_rss_mb"].flatMap(number) { peerRSS.append(rss) }
                } catch {
                    table.note("a concurrency peer run failed: \(error)")
                }
            }
        }
        let peerWall: Stats? = peerWalls.isEmpty ? nil : Stats(peerWalls)
        let peerPeak: Stats? = peerRSS.isEmpty ? nil : Stats(peerRSS)
        table.row("\(options.sessions) concurrent 200-chunk streams, wall (s)", ours: Stats(walls), peer: peerWall, peerName: "openai AsyncOpenAI")
        table.row("  peak RSS of the process over the runs (MB)", ours: Stats([peak]), peer: peerPeak, peerName: "openai AsyncOpenAI")
        table.row("  RSS per idle session (KB)", ours: Stats([idleRSS]), peer: nil, peerName: "")
    }

    /// glibc's `malloc_trim(0)` (not in Swift's Glibc module): returns free heap pages to the system.
    static func trimMallocArenas() {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        }
        #endif
    }

    static func turnOverhead(table: inout Table) async throws {
        let server = try await ScriptedProviderServer.start { _ in .text(String(repeating: "w ", count: 20)) }
        let client = CopilotClient(options: CopilotClientOptions(retryPolicy: .none))
        let session = try await client.createSession(SessionConfig(
            model: "bench", provider: ProviderConfig(type: .openai, baseURL: server.baseURL), streaming: true))
        let marks = Mutex<(firstDelta: ContinuousClock.Instant?, idle: ContinuousClock.Instant?)>((nil, nil))
        session.on { event in
            switch event.payload {
            case .assistantMessageDelta: marks.withLock { if $0.firstDelta == nil { $0.firstDelta = .now } }
            case .sessionIdle: marks.withLock { $0.idle = .now }
            default: break
            }
        }
        var toIdle: [Double] = []
        var toFirst: [Double] = []
        for index in 0..<300 {
            marks.withLock { $0 = (nil, nil) }
            _ = try await session.sendAndWait("go")
            guard index >= 20, let times = server.lastStreamTimes, let (first, idle) = marks.withLock({ $0 }) as (ContinuousClock.Instant?, ContinuousClock.Instant?)?,
                let first, let idle
            else { continue }
            toIdle.append(seconds(times.lastByte.duration(to: idle)) * 1000)
            toFirst.append(seconds(times.firstByte.duration(to: first)) * 1000)
        }
        table.row("turn overhead in-process: last byte → session.idle, p50 (ms)", ours: Stats([percentile(toIdle, 0.5)]), peer: nil, peerName: "")
        table.row("turn overhead in-process: last byte → session.idle, p99 (ms)", ours: Stats([percentile(toIdle, 0.99)]), peer: nil, peerName: "")
        table.row("first byte → first message_delta, p50 (ms)", ours: Stats([percentile(toFirst, 0.5)]), peer: nil, peerName: "")
        table.row("first byte → first message_delta, p99 (ms)", ours: Stats([percentile(toFirst, 0.99)]), peer: nil, peerName: "")
        try await client.stop()
        try await server.shutdown()
    }

    /// The same overhead through `copilot-swift server`, as the official Python SDK sees it.
    static func turnOverheadThroughServer(_ options: Options, base: String, table: inout Table) throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("copilot-swift").path
        guard FileManager.default.isExecutableFile(atPath: options.python), FileManager.default.isExecutableFile(atPath: binary) else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["300", options.python, options.peers + "/turn_overhead_sdk.py", base, "210"]
        process.environment = ProcessInfo.processInfo.environment.merging([
            "COPILOT_CLI_PATH": binary, "COPILOT_SKIP_CLI_DOWNLOAD": "1", "COPILOT_SWIFT_HOME": NSTemporaryDirectory() + "copilot-bench-home",
        ]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = try output.fileHandleForReading.readToEnd() ?? Data()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            table.note("turn overhead through the server: the Python SDK run failed (exit \(process.terminationStatus))")
            return
        }
        let json = try JSONValue(parsing: String(decoding: data, as: UTF8.self))
        let idle = json["idle_ms"]?.arrayValue?.compactMap(number) ?? []
        let first = json["first_ms"]?.arrayValue?.compactMap(number) ?? []
        table.row("turn overhead via copilot-swift server + Python SDK: last byte → session.idle, p50 (ms)", ours: Stats([percentile(idle, 0.5)]), peer: nil, peerName: "")
        table.row("turn overhead via copilot-swift server + Python SDK: last byte → session.idle, p99 (ms)", ours: Stats([percentile(idle, 0.99)]), peer: nil, peerName: "")
        table.row("via server + Python SDK: first byte → first message_delta, p50 (ms)", ours: Stats([percentile(first, 0.5)]), peer: nil, peerName: "")
        table.row("via server + Python SDK: first byte → first message_delta, p99 (ms)", ours: Stats([percentile(first, 0.99)]), peer: nil, peerName: "")
    }

    /// Process start → first streamed token on stdout: `copilot-swift run`, and the official Python
    /// SDK spawning `copilot-swift` as its runtime.
    static func coldStart(_ options: Options, base: String, table: inout Table) async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("copilot-swift").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            table.note("cold start skipped: \(binary) is not built")
            return
        }
        func repeated(_ body: () throws -> Double) throws -> Stats {
            _ = try body()  // warm the file cache
            return Stats(try (0..<options.runs).map { _ in try body() })
        }
        let ours = try repeated {
            try timeToFirstOutput(binary, ["run", "--base-url", base + "/v1", "--model", "bench-200", "go"], environment: [:]) { !$0.isEmpty }
        }
        var peer: Stats?
        if FileManager.default.isExecutableFile(atPath: options.python) {
            peer = try repeated {
                try timeToFirstOutput(
                    options.python, [options.peers + "/cold_start_sdk.py", base],
                    environment: ["COPILOT_CLI_PATH": binary, "COPILOT_SKIP_CLI_DOWNLOAD": "1", "COPILOT_SWIFT_HOME": NSTemporaryDirectory() + "copilot-bench-home"]
                ) { $0.contains("FIRST") }
            }
        }
        table.row("cold start → first token: copilot-swift run (s)", ours: ours, peer: nil, peerName: "")
        table.row("cold start → first token: Python SDK spawning copilot-swift (s)", ours: peer ?? Stats([]), peer: nil, peerName: "")
    }

    /// Starts a process, returns the seconds until its stdout shows what `ready` looks for, and lets it finish.
    static func timeToFirstOutput(_ path: String, _ arguments: [String], environment: [String: String], ready: (String) -> Bool) throws -> Double {
        let started = ContinuousClock.now
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = Data()
        while !ready(String(decoding: seen, as: UTF8.self)) {
            guard let chunk = try output.fileHandleForReading.read(upToCount: 64), !chunk.isEmpty else {
                throw BenchmarkError("\(path) ended before its first output")
            }
            seen.append(chunk)
        }
        let elapsed = seconds(started.duration(to: .now))
        _ = try output.fileHandleForReading.readToEnd()
        process.waitUntilExit()
        return elapsed
    }

    // MARK: Session stores

    static let storeEvents = 10_000

    /// Append latency (one event per append, awaited) and the time to read a 10,000-event session
    /// back, for the file store and (given a server) the PostgreSQL store, each beside a peer doing
    /// the same work directly: Python's os.write and json.loads for the file, psycopg 3 running the
    /// same SQL for PostgreSQL.
    static func store(_ options: Options, table: inout Table) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("copilot-bench-store-\(UUID().uuidString)")
        let peerDirectory = directory.appendingPathComponent("peer")
        try FileManager.default.createDirectory(at: peerDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await storeFigures(
            "file store", FileSessionStore(directory: directory.appendingPathComponent("sessions")), options, table: &table,
            peer: ["file", peerDirectory.path], peerName: "Python os.write / json.loads")
        guard let url = options.postgres else {
            table.note("PostgreSQL store: skipped (no --postgres URL)")
            return
        }
        let postgres = try PostgresSessionStore(url: url, options: .init(schema: "bench_\(UUID().uuidString.prefix(8).lowercased())"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await postgres.run() }
            defer { group.cancelAll() }
            try await storeFigures("PostgreSQL store", postgres, options, table: &table, peer: ["postgres", url], peerName: "psycopg 3.3.9, same SQL")
        }
    }

    static func storeFigures(
        _ name: String, _ store: any SessionStore, _ options: Options, table: inout Table, peer: [String], peerName: String
    ) async throws {
        let id = "bench-\(UUID().uuidString.prefix(8).lowercased())"
        let log = try await store.create(SessionMetadata(sessionId: id, model: "bench", providerType: "openai", baseURL: "http://127.0.0.1:9/v1"))
        var latencies: [Double] = []
        latencies.reserveCapacity(storeEvents)
        var parent: UUID?
        let text = String(repeating: "x", count: 200)
        for index in 0..<storeEvents {
            let event = SessionEvent(
                parentId: parent,
                payload: index % 2 == 0
                    ? .userMessage(.init(content: text, messageId: UUID().uuidString))
                    : .assistantMessage(.init(messageId: UUID().uuidString, content: text)))
            parent = event.id
            let started = ContinuousClock.now
            try await log.append([event])
            latencies.append(seconds(started.duration(to: .now)) * 1_000_000)
        }
        await log.close()
        let read = try await measure(options.runs) {
            let stored = try await store.open(id)
            await stored.log.close()
            guard stored.events.count == storeEvents else { throw BenchmarkError("\(name): read \(stored.events.count) events") }
        }
        let resume = try await measure(options.runs) {
            let client = CopilotClient(options: CopilotClientOptions(sessionStore: store))
            let session = try await client.resumeSession(
                id, SessionConfig(model: "bench", provider: ProviderConfig(baseURL: "http://127.0.0.1:9/v1")))
            await session.disconnect()
            try await client.stop()
        }
        var peerAppend: Stats?
        var peerRead: Stats?
        if FileManager.default.isExecutableFile(atPath: options.python) {
            let output = try runProcess(
                "/usr/bin/timeout", ["600", options.python, options.peers + "/store_peer.py"] + peer + [String(storeEvents), String(options.runs)])
            let json = try JSONValue(parsing: output)
            let appends = json["append_us"]?.arrayValue?.compactMap(number) ?? []
            peerAppend = Stats([percentile(appends, 0.5)])
            peerRead = Stats(json["resume_s"]?.arrayValue?.compactMap(number) ?? [])
            table.row("\(name): append one event, p50 (µs)", ours: Stats([percentile(latencies, 0.5)]), peer: peerAppend, peerName: peerName)
            table.row(
                "\(name): append one event, p99 (µs)", ours: Stats([percentile(latencies, 0.99)]),
                peer: Stats([percentile(appends, 0.99)]), peerName: peerName)
        } else {
            table.row("\(name): append one event, p50 (µs)", ours: Stats([percentile(latencies, 0.5)]), peer: nil, peerName: "")
            table.row("\(name): append one event, p99 (µs)", ours: Stats([percentile(latencies, 0.99)]), peer: nil, peerName: "")
        }
        table.row("\(name): read a 10,000-event session back (s)", ours: read, peer: peerRead, peerName: peerName)
        table.row("\(name): resume a 10,000-event session in a client (s)", ours: resume, peer: nil, peerName: "")
    }

    static func measure(_ runs: Int, _ body: () async throws -> Void) async throws -> Stats {
        try await body()  // warm-up
        var times: [Double] = []
        for _ in 0..<runs {
            let started = ContinuousClock.now
            try await body()
            times.append(seconds(started.duration(to: .now)))
        }
        return Stats(times)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func number(_ value: JSONValue) -> Double? {
        if case .double(let d) = value { return d }
        return value.intValue.map(Double.init)
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    static func percent(_ ratio: Double) -> String { String(format: "%.0f%%", ratio * 100) }

    static func runProcess(_ path: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = try output.fileHandleForReading.readToEnd() ?? Data()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchmarkError("\(arguments.dropFirst().prefix(2).joined(separator: " ")) failed (exit \(process.terminationStatus))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func currentRSSMegabytes() -> Double {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return .nan }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1_048_576  // bytes on macOS
        #endif
    }

    static func machine() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "?"
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu), \(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB"
    }
}

/// Median, min and max of repeated runs.
struct Stats {
    var values: [Double]
    init(_ values: [Double]) { self.values = values.sorted() }
    var median: Double { values.isEmpty ? .nan : values[values.count / 2] }
    var min: Double { values.first ?? .nan }
    var max: Double { values.last ?? .nan }
    var text: String {
        values.count > 1 ? String(format: "%.4g (%.4g–%.4g)", median, min, max) : String(format: "%.4g", median)
    }
}

/// The printed table: one row per figure, our value beside the peer's and their ratio.
struct Table {
    private var rows: [(String, String, String, String, String)] = []
    private var notes: [String] = []

    mutating func row(_ name: String, ours: Stats, peer: Stats?, peerName: String) {
        let ratio = peer.map { String(format: "%.1f×", $0.median / ours.median) } ?? ""
        rows.append((name, ours.text, peer?.text ?? "", peerName, ratio))
    }

    mutating func note(_ text: String) { notes.append(text) }

    func render() -> String {
        var lines = ["| figure | ours | peer | peer is | peer ÷ ours |", "|---|---|---|---|---|"]
        for row in rows { lines.append("| \(row.0) | \(row.1) | \(row.2) | \(row.3) | \(row.4) |") }
        return (notes.map { "- " + $0 } + [""] + lines).joined(separator: "\n")
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
