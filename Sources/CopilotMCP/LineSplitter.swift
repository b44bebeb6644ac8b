package import Foundation

/// Cuts a byte stream into newline-terminated messages (MCP's stdio framing), whatever the reads'
/// boundaries: a message split across reads is joined, several in one read are separated, a `\r`
/// before the newline is dropped and empty lines are skipped.
///
/// A message longer than ``limit`` is an error: a server cannot make the client hold more.
package struct LineSplitter: Sendable {
    /// The longest message accepted, in bytes.
    package let limit: Int
    private var pending: [UInt8] = []

    package init(limit: Int) {
        self.limit = limit
    }

    /// A message longer than the limit.
    package struct Overflow: Error, CustomStringConvertible {
        package var limit: Int
        package var description: String { "a message longer than \(limit) bytes" }
    }

    /// The complete messages `bytes` finishes, in order.
    package mutating func feed(_ bytes: some Collection<UInt8>) throws -> [Data] {
        var messages: [Data] = []
        var rest = bytes[...]
        while let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
            try append(rest[..<newline])
            if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
            if !pending.isEmpty { messages.append(Data(pending)) }
            pending.removeAll(keepingCapacity: true)
            rest = rest[rest.index(after: newline)...]
        }
        try append(rest)
        return messages
    }

    private mutating func append(_ part: some Collection<UInt8>) throws {
        // One byte over the limit is allowed for the `\r` of a message exactly at it.
        guard pending.count + part.count <= limit + 1 else { throw Overflow(limit: limit) }
        pending.append(contentsOf: part)
    }

    /// What is left when the stream ends: a last message without its newline, if any.
    package mutating func finish() -> Data? {
        defer { pending.removeAll() }
        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        return pending.isEmpty ? nil : Data(pending)
    }
}
