import CopilotCore
import CopilotProtocol
import CopilotProviders
import CopilotRuntime
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One parser that reads bytes a peer controls, with the properties every input must keep.
///
/// Beyond "does not crash, hang or exhaust memory" (which libFuzzer and the sanitizers watch), each
/// target checks what the parser promises: the stream parsers give the same result however the bytes
/// are split into chunks, and what is parsed and written again reads back the same.
enum FuzzTarget: String, CaseIterable {
    /// ``SSEParser``: Server-Sent Events framing.
    case sse
    /// `JSONValue(parsing:)`, the one-pass JSON reader.
    case json
    /// ``FrameDecoder`` and `RPCMessage(frame:)`: the protocol's Content-Length frames and messages.
    case frame
    /// The Chat Completions stream decoder, from SSE bytes to a model answer.
    case completions
    /// The Responses stream decoder.
    case responses
    /// The Anthropic Messages stream decoder.
    case anthropic
    /// The Gemini `streamGenerateContent` decoder.
    case gemini
    /// `SessionEvent(jsonLine:)`: a stored or streamed session event.
    case event
    /// The URL checks: a provider base URL (`ProviderEndpoint.validatedBaseURL`) and the host a
    /// `url(…)` permission rule matches, against the parser the HTTP client connects with.
    case url
    /// The tool path resolver (`WorkingDirectory`): a path a model names, resolved in a folder of
    /// symlinks that point inside, outside, nowhere, up and at themselves, against the kernel's `realpath`.
    case path

    func run(_ input: UnsafeBufferPointer<UInt8>) {
        switch self {
        case .sse: Self.sse(Array(input))
        case .json: Self.json(input)
        case .frame: Self.frame(Array(input))
        case .completions: Self.wire(Array(input), ProviderConfig(type: .openai, baseURL: "http://127.0.0.1/v1", wireAPI: .completions))
        case .responses: Self.wire(Array(input), ProviderConfig(type: .openai, baseURL: "http://127.0.0.1/v1", wireAPI: .responses))
        case .anthropic: Self.wire(Array(input), ProviderConfig(type: .anthropic, baseURL: "http://127.0.0.1"))
        case .gemini: Self.wire(Array(input), ProviderConfig(type: .gemini, baseURL: "http://127.0.0.1"))
        case .event: Self.event(input)
        case .url: Self.url(String(decoding: input, as: UTF8.self))
        case .path: Self.path(String(decoding: input, as: UTF8.self))
        }
    }

    // MARK: Targets

    private static func sse(_ bytes: [UInt8]) {
        func events(_ chunks: [ArraySlice<UInt8>]) -> [SSEEvent] {
            var parser = SSEParser()
            var events = chunks.flatMap { parser.feed($0) }
            events += parser.finish()
            return events
        }
        let whole = events([bytes[...]])
        for split in Split.allCases {
            check(events(split.chunks(of: bytes)) == whole, "SSE events depend on how the bytes are split (\(split))")
        }
    }

    private static func json(_ input: UnsafeBufferPointer<UInt8>) {
        guard let value = try? JSONValue(parsing: UnsafeRawBufferPointer(input)) else { return }
        let text = value.jsonString
        guard let again = try? JSONValue(parsing: text) else {
            fail("a parsed JSON value, written out, does not parse: \(text.prefix(200))")
        }
        check(sameJSON(value, again), "a JSON value read, written and read again changed: \(text.prefix(200))")
    }

    private static func frame(_ bytes: [UInt8]) {
        func outputs(_ chunks: [ArraySlice<UInt8>]) -> [FrameDecoder.Output] {
            var decoder = FrameDecoder(maxFrameSize: 4096)
            return chunks.flatMap { decoder.feed($0) }
        }
        let whole = outputs([bytes[...]])
        for split in Split.allCases {
            check(outputs(split.chunks(of: bytes)) == whole, "frames depend on how the bytes are split (\(split))")
        }
        for case .frame(let body) in whole {
            guard let message = try? RPCMessage(frame: body) else { continue }
            let written = Array(message.json.jsonString.utf8)
            guard let again = try? RPCMessage(frame: written) else {
                fail("a valid message, written out, is no longer valid: \(message.json.jsonString.prefix(200))")
            }
            check(sameJSON(message.json, again.json), "a message read, written and read again changed")
        }
    }

    private static func wire(_ bytes: [UInt8], _ config: ProviderConfig) {
        func decode(_ chunks: [ArraySlice<UInt8>]) -> Result<ModelResponse, ProviderError> {
            do {
                var answer = try config.decodeStream(chunks)
                // A call that came without an id gets a fresh random one (ids must not repeat in a
                // session); which one is not part of the answer.
                for index in answer.toolCalls.indices where answer.toolCalls[index].id.hasPrefix(GeminiWire.madeUpCallIDPrefix) {
                    answer.toolCalls[index].id = GeminiWire.madeUpCallIDPrefix + String(index)
                }
                return .success(answer)
            } catch let error as ProviderError {
                return .failure(error)
            } catch {
                fail("a stream decoder threw something other than a ProviderError: \(error)")
            }
        }
        let whole = decode([bytes[...]])
        for split in Split.allCases {
            check(decode(split.chunks(of: bytes)) == whole, "the decoded answer depends on how the stream is split (\(split))")
        }
    }

    private static func event(_ input: UnsafeBufferPointer<UInt8>) {
        guard let event = try? SessionEvent(jsonLine: UnsafeRawBufferPointer(input)) else { return }
        guard let line = try? event.jsonLine() else { fail("a decoded event cannot be written as a line") }
        guard let again = try? SessionEvent(jsonLine: line) else { fail("an event's own line does not decode: \(line.prefix(300))") }
        guard let lineAgain = try? again.jsonLine() else { fail("a re-decoded event cannot be written") }
        check(line == lineAgain, "an event written, read and written again changed:\n\(difference(line, lineAgain))")
    }

    private static func url(_ text: String) {
        // What the HTTP client connects to is what `URL` parses (AsyncHTTPClient reads its host and port).
        if let base = try? ProviderEndpoint.validatedBaseURL(text) {
            guard let parsed = URL(string: base), let host = parsed.host, !host.isEmpty else {
                fail("an accepted base URL has no host the HTTP client can read: \(base.debugDescription)")
            }
            if let port = parsed.port { check((1...65535).contains(port), "an accepted base URL has port \(port)") }
            check(!base.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 }, "an accepted base URL has a space or control character")
            for path in ["/chat/completions", "/responses", "/models"] {
                let request = URL(string: base + path)
                check(request?.host == host && request?.port == parsed.port, "the request URL for \(path) goes elsewhere than its base \(base.debugDescription)")
            }
        }
        // A `url(host)` rule must judge the host the fetch really goes to — for every host a connection
        // can reach: a DNS name (an international one in its xn-- form) or an IP address. (The parser
        // also yields hosts like `]` or `%`, which no connection reaches; rules for them mean nothing.)
        if let parsed = URL(string: text), let host = parsed.host, !host.isEmpty,
            case let inner = host.hasPrefix("[") && host.hasSuffix("]") && host.count > 1 ? host.dropFirst().dropLast() : Substring(host),
            !inner.isEmpty,
            inner.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-:".unicodeScalars.contains($0)) })
        {
            var request = PermissionRequest(kind: .url, toolCallId: "fuzz", toolName: "web_fetch")
            request.url = text
            // An IPv6 host is written in brackets, as in a URL (a bare `::*` would end in the rules' `:*`).
            let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            let rule = bare.contains(":") ? "url([\(bare.lowercased())])" : "url(\(bare.lowercased()))"
            check(PermissionRules.matches(rule, request), "the rule \(rule) does not cover \(text.debugDescription), whose host the client connects to")
        }
    }

    /// The folder the `path` target resolves in, made once per process.
    private static let pathSandbox: (directory: WorkingDirectory, root: String) = {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("copilot-fuzz-path-\(getpid())").path
        let root = base + "/wd"
        try? FileManager.default.createDirectory(atPath: root + "/sub/deeper", withIntermediateDirectories: true)
        try? FileManager.default.createDirectory(atPath: base + "/outside", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root + "/file", contents: Data("inside".utf8))
        _ = FileManager.default.createFile(atPath: base + "/outside/secret", contents: Data("outside".utf8))
        for (name, target) in [
            ("out", "../outside"), ("abs", base + "/outside"), ("dang", base + "/outside/new"), ("loop", "loop"),
            ("up", ".."), ("self", "."), ("sub/back", "../file"), ("sub/deeper/esc", "../../../outside/secret"),
            ("chain", "sub/back"), ("ping", "pong"), ("pong", "ping"),
        ] {
            symlink(target, root + "/" + name)
        }
        atexit { try? FileManager.default.removeItem(atPath: FileManager.default.temporaryDirectory.appendingPathComponent("copilot-fuzz-path-\(getpid())").path) }
        let directory = WorkingDirectory(root)
        return (directory, directory.root)
    }()

    private static func path(_ raw: String) {
        guard raw.utf8.count < 1024 else { return }
        let (directory, root) = pathSandbox
        // A path with a NUL byte (by byte: a NUL and a combining mark are one Character) is refused;
        // every other path resolves.
        let resolved: WorkingDirectory.ResolvedPath
        do {
            resolved = try directory.resolve(raw)
        } catch {
            check(WorkingDirectory.hasNULByte(raw), "\(raw.debugDescription) is refused: \(error)")
            return
        }
        check(!WorkingDirectory.hasNULByte(raw), "\(raw.debugDescription) has a NUL byte, yet resolves to \(resolved.path)")
        let joined = raw.hasPrefix("/") ? raw : root + "/" + raw
        // What the kernel says the path is, where it exists all the way down.
        if let real = realpath(joined, nil) {
            defer { free(real) }
            let kernel = String(cString: real)
            check(resolved.path == kernel, "\(raw.debugDescription) resolves to \(resolved.path), the kernel says \(kernel)")
        }
        // "Inside" must hold for the deepest part that exists (where a write would land).
        if resolved.isInside {
            var existing = resolved.path
            var info = stat()
            while existing != "/", lstat(existing, &info) != 0 { existing = (existing as NSString).deletingLastPathComponent }
            if let real = realpath(existing, nil) {
                defer { free(real) }
                let kernel = String(cString: real)
                check(kernel == root || kernel.hasPrefix(root + "/"), "\(raw.debugDescription) is called inside, but \(existing) is really \(kernel)")
            }
        }
        // Resolving a resolved path changes nothing.
        do {
            let again = try directory.resolve(resolved.path)
            check(again.path == resolved.path && again.isInside == resolved.isInside, "resolving \(resolved.path) again gives \(again.path)")
        } catch {
            check(false, "resolving \(resolved.path) again is refused: \(error)")
        }
    }

    // MARK: Helpers

    /// Ways of cutting one input into chunks, as a network might deliver it.
    enum Split: CaseIterable {
        /// One byte at a time.
        case bytes
        /// Chunks of 1, 7, 2, 64 and 3 bytes, over and over.
        case uneven

        func chunks(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
            let sizes = self == .bytes ? [1] : [1, 7, 2, 64, 3]
            var chunks: [ArraySlice<UInt8>] = []
            var start = 0
            var next = 0
            while start < bytes.count {
                let end = min(bytes.count, start + sizes[next % sizes.count])
                chunks.append(bytes[start..<end])
                start = end
                next += 1
            }
            return chunks
        }
    }

    /// Equality of JSON trees where numbers compare by value (`1` and `1.0` are the same number,
    /// and a writer may print either).
    private static func sameJSON(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): Double(x) == y
        case (.array(let x), .array(let y)): x.count == y.count && zip(x, y).allSatisfy { sameJSON($0, $1) }
        case (.object(let x), .object(let y)):
            x.count == y.count && x.allSatisfy { key, value in y[key].map { sameJSON(value, $0) } ?? false }
        default: a == b
        }
    }

    /// Where two texts first differ, with some context on either side.
    private static func difference(_ a: String, _ b: String) -> String {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        let first = zip(x, y).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(x.count, y.count)
        func around(_ bytes: [UInt8]) -> String {
            String(decoding: bytes[max(0, first - 80)..<min(bytes.count, first + 80)], as: UTF8.self)
        }
        return "at byte \(first):\n\(around(x))\n\(around(y))"
    }

    private static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fail(message()) }
    }

    private static func fail(_ message: String) -> Never {
        fatalError("fuzz check failed: \(message)")
    }
}
