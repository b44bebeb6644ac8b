import Foundation

/// The text being typed at the prompt, with a cursor and a history: what a key does to it, without
/// any terminal. ``Terminal`` draws it.
public struct LineEditor: Sendable {
    /// What a key means for the caller.
    public enum Outcome: Sendable, Equatable {
        /// The text changed or the cursor moved: draw it again.
        case edited
        /// Enter: the text is done.
        case submit(String)
        /// Ctrl-C.
        case interrupt
        /// Ctrl-D on an empty line.
        case endOfInput
        /// A key with no meaning here.
        case ignored
    }

    public private(set) var text: [Character] = []
    /// Where the cursor is: an index into ``text``.
    public private(set) var cursor = 0
    public private(set) var history: [String]
    /// The entry shown while browsing the history (`history.count` is the line being typed).
    private var browsing: Int
    private var draft: [Character] = []
    /// The most entries the history keeps.
    public let historyLimit: Int

    public init(history: [String] = [], historyLimit: Int = 1000) {
        self.history = Array(history.suffix(historyLimit))
        self.historyLimit = historyLimit
        browsing = self.history.count
    }

    public var string: String { String(text) }

    /// Applies `key`.
    public mutating func handle(_ key: Key) -> Outcome {
        switch key {
        case .character(let character):
            insert([character])
        case .paste(let pasted):
            insert(Array(pasted))
        case .newline:
            insert(["\n"])
        case .enter:
            // A line ending in a backslash goes on: the backslash becomes a new line.
            if cursor == text.count, text.last == "\\" {
                text.removeLast()
                cursor -= 1
                insert(["\n"])
                return .edited
            }
            let entry = string
            remember(entry)
            text = []
            cursor = 0
            return .submit(entry)
        case .backspace:
            guard cursor > 0 else { return .ignored }
            text.remove(at: cursor - 1)
            cursor -= 1
        case .delete:
            guard cursor < text.count else { return .ignored }
            text.remove(at: cursor)
        case .control("d") where !text.isEmpty:
            // Ctrl-D deletes forward on a line with text, and ends the input on an empty one.
            guard cursor < text.count else { return .ignored }
            text.remove(at: cursor)
        case .control("d"):
            return .endOfInput
        case .control("c"):
            return .interrupt
        case .left, .control("b"):
            guard cursor > 0 else { return .ignored }
            cursor -= 1
        case .right, .control("f"):
            guard cursor < text.count else { return .ignored }
            cursor += 1
        case .home, .control("a"):
            cursor = lineStart(of: cursor)
        case .end, .control("e"):
            cursor = lineEnd(of: cursor)
        case .wordLeft:
            cursor = wordStart(before: cursor)
        case .wordRight:
            while cursor < text.count, !text[cursor].isLetterOrNumber { cursor += 1 }
            while cursor < text.count, text[cursor].isLetterOrNumber { cursor += 1 }
        case .control("w"):
            let start = wordStart(before: cursor)
            text.removeSubrange(start..<cursor)
            cursor = start
        case .control("u"):
            let start = lineStart(of: cursor)
            text.removeSubrange(start..<cursor)
            cursor = start
        case .control("k"):
            text.removeSubrange(cursor..<lineEnd(of: cursor))
        case .up, .control("p"):
            // In a message of several lines, up moves between its lines first.
            if let above = verticalMove(up: true) {
                cursor = above
            } else {
                return recall(browsing - 1)
            }
        case .down, .control("n"):
            if let below = verticalMove(up: false) {
                cursor = below
            } else {
                return recall(browsing + 1)
            }
        default:
            return .ignored
        }
        return .edited
    }

    /// Replaces the text (for a caller that fills it, such as a queued message put back).
    public mutating func set(_ string: String) {
        text = Array(string)
        cursor = text.count
    }

    /// The text as lines, and the cursor's line and column (in characters).
    public var layout: (lines: [String], row: Int, column: Int) {
        let lines = string.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let before = text[..<cursor]
        let row = before.filter { $0 == "\n" }.count
        let column = cursor - lineStart(of: cursor)
        return (lines, row, column)
    }

    private mutating func insert(_ characters: [Character]) {
        text.insert(contentsOf: characters, at: cursor)
        cursor += characters.count
    }

    private mutating func remember(_ entry: String) {
        browsing = history.count
        draft = []
        guard !entry.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, history.last != entry else { return }
        history.append(entry)
        if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
        browsing = history.count
    }

    private mutating func recall(_ index: Int) -> Outcome {
        guard (0...history.count).contains(index), index != browsing else { return .ignored }
        if browsing == history.count { draft = text }
        browsing = index
        text = index == history.count ? draft : Array(history[index])
        cursor = text.count
        return .edited
    }

    private func lineStart(of index: Int) -> Int {
        var start = index
        while start > 0, text[start - 1] != "\n" { start -= 1 }
        return start
    }

    private func lineEnd(of index: Int) -> Int {
        var end = index
        while end < text.count, text[end] != "\n" { end += 1 }
        return end
    }

    private func wordStart(before index: Int) -> Int {
        var start = index
        while start > 0, !text[start - 1].isLetterOrNumber { start -= 1 }
        while start > 0, text[start - 1].isLetterOrNumber { start -= 1 }
        return start
    }

    /// The index one line up or down at the same column, nil on the first or last line.
    private func verticalMove(up: Bool) -> Int? {
        let start = lineStart(of: cursor)
        let column = cursor - start
        if up {
            guard start > 0 else { return nil }
            let previousStart = lineStart(of: start - 1)
            return min(previousStart + column, start - 1)
        }
        let end = lineEnd(of: cursor)
        guard end < text.count else { return nil }
        let nextStart = end + 1
        return min(nextStart + column, lineEnd(of: nextStart))
    }
}

extension Character {
    fileprivate var isLetterOrNumber: Bool { isLetter || isNumber || self == "_" }
}
