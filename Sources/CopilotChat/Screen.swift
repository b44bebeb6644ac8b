/// The chat's screen: output scrolls up, and below it the input area (an optional status line and
/// the prompt with what is being typed) is drawn again after each piece of output.
///
/// To write above the input area it is erased first: the cursor goes back to where the output
/// ended (``outputColumn`` on the line above, when the output ended mid-line) and the rest of the
/// screen is cleared.
struct Screen {
    let terminal: Terminal
    /// A transient line drawn above the prompt (`thinking…`).
    var status: String?
    /// Visible columns on the output's last line.
    private(set) var outputColumn = 0
    /// Rows of the input area drawn now, and the row of it the cursor is on.
    private var drawnRows = 0
    private var cursorRow = 0
    /// The input area starts on a line of its own below a partial output line.
    private var belowPartialLine = false

    init(terminal: Terminal) { self.terminal = terminal }

    var atLineStart: Bool { outputColumn == 0 }

    /// Writes output above the input area.
    mutating func print(_ text: String) {
        guard !text.isEmpty else { return }
        clearInput()
        terminal.write(text)
        advance(over: text)
    }

    /// Erases the input area, leaving the cursor where the output ended.
    mutating func clearInput() {
        guard drawnRows > 0 else { return }
        var moves = ""
        if cursorRow > 0 { moves += "\u{1B}[\(cursorRow)A" }
        moves += "\r"
        if belowPartialLine {
            moves += "\u{1B}[1A"
            if outputColumn > 0 { moves += "\u{1B}[\(outputColumn)C" }
        }
        terminal.write(moves + "\u{1B}[J")
        drawnRows = 0
        cursorRow = 0
        belowPartialLine = false
    }

    /// Draws the input area: the status line, then `prompt` and the editor's text (nothing for a nil prompt).
    mutating func drawInput(prompt: String?, promptWidth: Int, editor: LineEditor) {
        clearInput()
        guard status != nil || prompt != nil else { return }
        var text = ""
        if outputColumn > 0 {
            text += "\n"
            belowPartialLine = true
        }
        let width = max(terminal.width, 10)
        var rows = 0
        if let status {
            text += status + "\n"
            rows += 1
        }
        guard let prompt else {
            // Only the status: the cursor waits at the start of the line below it.
            terminal.write(text)
            drawnRows = rows
            cursorRow = rows
            return
        }
        let (lines, row, column) = editor.layout
        var cursorRowInText = rows
        for (index, line) in lines.enumerated() {
            let lead = index == 0 ? promptWidth : 2
            text += (index == 0 ? prompt : "  ") + line
            if index < lines.count - 1 { text += "\r\n" }
            let lineRows = max(1, (lead + line.count + width - 1) / width)
            if index < row { cursorRowInText += lineRows }
            rows += lineRows
        }
        // The cursor: up from the end to its row, then to its column.
        let lead = row == 0 ? promptWidth : 2
        let cursorColumn = lead + column
        cursorRowInText += cursorColumn / width
        let endRow = rows - 1
        var moves = ""
        if endRow > cursorRowInText { moves += "\u{1B}[\(endRow - cursorRowInText)A" }
        moves += "\r"
        if cursorColumn % width > 0 { moves += "\u{1B}[\(cursorColumn % width)C" }
        terminal.write(text + moves)
        drawnRows = rows
        cursorRow = cursorRowInText
    }

    mutating func clearScreen() {
        terminal.write("\u{1B}[2J\u{1B}[H")
        drawnRows = 0
        cursorRow = 0
        outputColumn = 0
        belowPartialLine = false
    }

    /// Follows the visible column over `text` (escape sequences take none; long lines wrap).
    private mutating func advance(over text: String) {
        let width = max(terminal.width, 10)
        var escape = false
        for scalar in text.unicodeScalars {
            if escape {
                if (0x40...0x7E).contains(scalar.value), scalar != "[" { escape = false }
                continue
            }
            switch scalar {
            case "\u{1B}": escape = true
            case "\n", "\r": outputColumn = 0
            default:
                outputColumn += 1
                if outputColumn >= width { outputColumn = 0 }
            }
        }
    }
}
