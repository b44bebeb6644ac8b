import CopilotMCP
import Foundation
import Testing

@Suite("MCP's stdio framing: newline-delimited messages, whatever the reads' boundaries")
struct StdioFramingTests {
    /// Three messages, one with a `\r\n` ending and an empty line between, as a server may write them.
    static let stream = Array(#"{"jsonrpc":"2.0","id":1,"result":{}}"#.utf8) + [10]
        + Array(#"{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}"#.utf8) + [13, 10, 10]
        + Array(#"{"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"é ✓"}]}}"#.utf8) + [10]

    static let expected = [
        #"{"jsonrpc":"2.0","id":1,"result":{}}"#,
        #"{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}"#,
        #"{"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"é ✓"}]}}"#,
    ]

    @Test("split in two at every byte: the same three messages")
    func everySplitPoint() throws {
        for split in 0...Self.stream.count {
            var splitter = LineSplitter(limit: 1024)
            let messages = try splitter.feed(Self.stream[..<split]) + splitter.feed(Self.stream[split...])
            #expect(messages.map { String(decoding: $0, as: UTF8.self) } == Self.expected, "split at \(split)")
            #expect(splitter.finish() == nil)
        }
    }

    @Test("one byte at a time, and all at once")
    func byteByByteAndWhole() throws {
        var splitter = LineSplitter(limit: 1024)
        var messages: [Data] = []
        for byte in Self.stream { messages += try splitter.feed([byte]) }
        #expect(messages.map { String(decoding: $0, as: UTF8.self) } == Self.expected)
        var whole = LineSplitter(limit: 1024)
        #expect(try whole.feed(Self.stream).map { String(decoding: $0, as: UTF8.self) } == Self.expected)
    }

    @Test("a last message without its newline is kept at the end; one longer than the limit is an error")
    func endAndLimit() throws {
        var splitter = LineSplitter(limit: 8)
        #expect(try splitter.feed(Array("12345678\nabc".utf8)).map { String(decoding: $0, as: UTF8.self) } == ["12345678"])
        #expect(splitter.finish().map { String(decoding: $0, as: UTF8.self) } == "abc")
        var bounded = LineSplitter(limit: 8)
        _ = try bounded.feed(Array("12345".utf8))
        #expect(throws: LineSplitter.Overflow.self) { _ = try bounded.feed(Array("67890".utf8)) }
    }
}
