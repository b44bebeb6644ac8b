import Foundation

/// A key a person pressed, decoded from the bytes a terminal in raw mode sends.
public enum Key: Sendable, Hashable {
    case character(Character)
    /// Enter (carriage return).
    case enter
    /// Alt-Enter or Ctrl-J: a new line inside the message.
    case newline
    case backspace, delete
    case left, right, up, down, home, end
    case wordLeft, wordRight
    /// Ctrl-A … Ctrl-Z that have no other meaning here, by letter (`control("c")`).
    case control(Character)
    /// Escape on its own.
    case escape
    /// Text pasted in bracketed-paste mode, kept whole (new lines included).
    case paste(String)
}

/// Turns terminal input bytes into ``Key``s. Bytes of an incomplete sequence (an escape sequence
/// or a UTF-8 character split between reads) wait for the next ``feed(_:)``.
public struct KeyDecoder: Sendable {
    private var pending: [UInt8] = []
    private var pasting: [UInt8]?

    /// The most bytes a paste may hold; beyond that the rest is dropped.
    public static let pasteLimit = 1 << 20

    public init() {}

    /// The keys `bytes` complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Key] {
        pending.append(contentsOf: bytes)
        var keys: [Key] = []
        while let (key, used) = next() {
            pending.removeFirst(used)
            if let key { keys.append(key) }
        }
        return keys
    }

    /// A lone escape that no more bytes followed: call after a short wait with no input.
    public mutating func flushEscape() -> [Key] {
        guard pending == [0x1B] else { return [] }
        pending = []
        return [.escape]
    }

    private static let pasteStart: [UInt8] = Array("\u{1B}[200~".utf8)
    private static let pasteEnd: [UInt8] = Array("\u{1B}[201~".utf8)

    /// The next key and how many bytes it used; nil when more bytes are needed.
    private mutating func next() -> (Key?, Int)? {
        guard let first = pending.first else { return nil }
        if pasting != nil { return nextPasted() }
        switch first {
        case 0x0D: return (.enter, 1)
        case 0x0A: return (.newline, 1)
        case 0x7F, 0x08: return (.backspace, 1)
        case 0x1B: return escapeSequence()
        case 0x01...0x1A:
            return (.control(Character(UnicodeScalar(first + 0x60))), 1)
        case 0x00, 0x1C...0x1F:
            return (nil, 1)
        default:
            return utf8Character()
        }
    }

    private mutating func nextPasted() -> (Key?, Int)? {
        if let end = pending.firstRange(of: Self.pasteEnd) {
            var text = pasting ?? []
            text.append(contentsOf: pending[..<end.lowerBound].prefix(max(0, Self.pasteLimit - text.count)))
            pasting = nil
            let pasted = String(decoding: text, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            return (.paste(pasted), end.upperBound)
        }
        // Keep what may be the start of the end marker; the rest joins the paste.
        let keep = min(pending.count, Self.pasteEnd.count - 1)
        let take = pending.count - keep
        guard take > 0 else { return nil }
        let room = max(0, Self.pasteLimit - (pasting?.count ?? 0))
        pasting?.append(contentsOf: pending.prefix(take).prefix(room))
        return (nil, take)
    }

    private mutating func escapeSequence() -> (Key?, Int)? {
        guard pending.count >= 2 else { return nil }
        let second = pending[1]
        if second == 0x0D || second == 0x0A { return (.newline, 2) }
        if second == 0x7F { return (.control("w"), 2) }
        if second == UInt8(ascii: "b") { return (.wordLeft, 2) }
        if second == UInt8(ascii: "f") { return (.wordRight, 2) }
        if second == UInt8(ascii: "O") {
            guard pending.count >= 3 else { return nil }
            switch pending[2] {
            case UInt8(ascii: "H"): return (.home, 3)
            case UInt8(ascii: "F"): return (.end, 3)
            default: return (nil, 3)
            }
        }
        guard second == UInt8(ascii: "[") else { return (.escape, 1) }
        // CSI: parameters and intermediates, then one final byte 0x40…0x7E.
        var index = 2
        while index < pending.count, !(0x40...0x7E).contains(pending[index]) { index += 1 }
        guard index < pending.count else { return pending.count > 32 ? (nil, pending.count) : nil }
        let parameters = String(decoding: pending[2..<index], as: UTF8.self)
        let used = index + 1
        if Array(pending[..<used]) == Self.pasteStart {
            pasting = []
            return (nil, used)
        }
        let modified = parameters.hasSuffix(";5") || parameters.hasSuffix(";3")
        switch pending[index] {
        case UInt8(ascii: "A"): return (.up, used)
        case UInt8(ascii: "B"): return (.down, used)
        case UInt8(ascii: "C"): return (modified ? .wordRight : .right, used)
        case UInt8(ascii: "D"): return (modified ? .wordLeft : .left, used)
        case UInt8(ascii: "H"): return (.home, used)
        case UInt8(ascii: "F"): return (.end, used)
        case UInt8(ascii: "~"):
            switch parameters {
            case "1", "7": return (.home, used)
            case "4", "8": return (.end, used)
            case "3": return (.delete, used)
            default: return (nil, used)
            }
        default: return (nil, used)
        }
    }

    private func utf8Character() -> (Key?, Int)? {
        let first = pending[0]
        let length = first < 0x80 ? 1 : first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 0
        guard length > 0 else { return (nil, 1) }
        guard pending.count >= length else { return nil }
        guard let scalar = String(validating: pending[..<length], as: UTF8.self) else { return (nil, 1) }
        return (.character(Character(scalar)), length)
    }
}
