import Foundation

/// Splits a byte stream into LSP-style `Content-Length: N\r\n\r\n<N bytes>` frames.
///
/// Feed it bytes in chunks of any size. A malformed header block or an oversized frame is reported
/// as a ``FramingError`` and skipped, so one bad frame does not end the connection.
package struct FrameDecoder: Sendable {
    /// One result of decoding: a frame body or a framing error.
    package enum Output: Sendable, Hashable {
        case frame([UInt8])
        case error(FramingError)
    }

    private enum State: Sendable {
        case header
        case body(remaining: Int)
        case skipping(remaining: Int)
        /// A header block grew past ``FrameDecoder/maxHeaderSize``: its error is out, and its bytes are
        /// dropped up to the blank line that ends it.
        case discardingHeader
    }

    /// The largest body accepted; larger frames are skipped with ``FramingError/frameTooLarge(_:)``.
    package let maxFrameSize: Int
    /// The largest header block accepted.
    package static let maxHeaderSize = 8 * 1024

    private var state = State.header
    private var buffer: [UInt8] = []
    private var body: [UInt8] = []
    /// How far into `buffer` the search for a header's end has looked without finding it, so bytes
    /// that arrive one at a time are each looked at once.
    private var scanned = 0

    package init(maxFrameSize: Int = 32 * 1024 * 1024) {
        self.maxFrameSize = maxFrameSize
    }

    package mutating func feed(_ bytes: some Collection<UInt8>) -> [Output] {
        buffer.append(contentsOf: bytes)
        var outputs: [Output] = []
        var position = 0
        loop: while position < buffer.count {
            switch state {
            case .header, .discardingHeader:
                // The same error, and the same frames after it, however the bytes were split.
                let end = Self.headerEnd(in: buffer, from: max(position, scanned - 3))
                // Without its end in sight, the header is at least this long: the last three bytes
                // may begin the blank line.
                let tooLong = (end.map { $0 - position } ?? buffer.count - position - 3) > Self.maxHeaderSize
                if case .header = state, tooLong {
                    outputs.append(.error(.malformedHeader("header block longer than \(Self.maxHeaderSize) bytes")))
                    state = .discardingHeader
                }
                guard let end else {
                    if case .discardingHeader = state {
                        // Keep only what could begin the blank line.
                        position = max(position, buffer.count - 3)
                    }
                    scanned = buffer.count
                    break loop
                }
                scanned = 0
                let start = position
                position = end + 4
                if case .discardingHeader = state {
                    state = .header
                    continue loop
                }
                let header = String(decoding: buffer[start..<end], as: UTF8.self)
                switch Self.contentLength(in: header) {
                case .success(let length) where length > maxFrameSize:
                    outputs.append(.error(.frameTooLarge(length)))
                    state = .skipping(remaining: length)
                case .success(0):
                    outputs.append(.frame([]))
                case .success(let length):
                    body.removeAll(keepingCapacity: true)
                    // A peer's announcement alone does not get it memory: what it sends does.
                    body.reserveCapacity(min(length, 1 << 20))
                    state = .body(remaining: length)
                case .failure(let error):
                    outputs.append(.error(error))
                }
            case .body(let remaining):
                let take = min(remaining, buffer.count - position)
                body.append(contentsOf: buffer[position..<position + take])
                position += take
                if take == remaining {
                    outputs.append(.frame(body))
                    body.removeAll(keepingCapacity: true)
                    state = .header
                } else {
                    state = .body(remaining: remaining - take)
                }
            case .skipping(let remaining):
                let take = min(remaining, buffer.count - position)
                position += take
                state = take == remaining ? .header : .skipping(remaining: remaining - take)
            }
        }
        buffer.removeFirst(position)
        scanned = max(0, scanned - position)
        return outputs
    }

    private static func headerEnd(in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count - start >= 4 else { return nil }
        var index = start
        while index + 3 < bytes.count {
            if bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13, bytes[index + 3] == 10 { return index }
            index += 1
        }
        return nil
    }

    private static func contentLength(in header: String) -> Result<Int, FramingError> {
        for line in header.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            guard line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == "content-length" else { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard let length = Int(value), length >= 0 else {
                return .failure(.malformedHeader("Content-Length '\(value)' is not a non-negative integer"))
            }
            return .success(length)
        }
        return .failure(.malformedHeader("no Content-Length header"))
    }
}

/// Why a frame could not be read.
package enum FramingError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformedHeader(String)
    case frameTooLarge(Int)

    package var description: String {
        switch self {
        case .malformedHeader(let reason): "malformed frame header: \(reason)"
        case .frameTooLarge(let size): "frame of \(size) bytes is larger than allowed"
        }
    }
}

/// Writes one frame: the header, then the body.
package func encodeFrame(_ body: [UInt8]) -> [UInt8] {
    Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
}

