import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The terminal the chat runs in: raw mode while it reads keys, styled output only where it may
/// be (a terminal, and no `NO_COLOR`), and the window's width.
public final class Terminal: Sendable {
    public let input: Int32
    public let output: Int32
    /// Whether output may carry ANSI styles (a terminal, no `NO_COLOR`, not `TERM=dumb`).
    public let styled: Bool
    /// Whether output goes to a terminal, so Markdown is rendered for a person.
    public let rendered: Bool
    private let saved = Mutex<termios?>(nil)

    /// The process's own terminal (standard input and output).
    public convenience init() {
        self.init(input: STDIN_FILENO, output: STDOUT_FILENO, environment: ProcessInfo.processInfo.environment)
    }

    public init(input: Int32, output: Int32, environment: [String: String]) {
        self.input = input
        self.output = output
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        rendered = isatty(output) == 1
        styled = rendered && !noColor && environment["TERM"] != "dumb"
    }

    /// Whether both ends are a terminal (a person is there).
    public var isInteractive: Bool { isatty(input) == 1 && isatty(output) == 1 }

    /// Columns of the window (80 when it cannot be told).
    public var width: Int {
        var size = winsize()
        guard ioctl(output, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// Keys arrive as bytes, unechoed, with Ctrl-C and Ctrl-Z as keys rather than signals;
    /// output keeps its new-line handling. Bracketed paste is turned on.
    public func enterRawMode() {
        var attributes = termios()
        guard tcgetattr(input, &attributes) == 0 else { return }
        saved.withLock { if $0 == nil { $0 = attributes } }
        attributes.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        attributes.c_iflag &= ~tcflag_t(IXON | ICRNL | INLCR)
        withUnsafeMutableBytes(of: &attributes.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        tcsetattr(input, TCSADRAIN, &attributes)
        write("\u{1B}[?2004h")
    }

    /// The terminal as it was.
    public func restore() {
        guard var attributes = saved.withLock({ state -> termios? in
            defer { state = nil }
            return state
        }) else { return }
        write("\u{1B}[?2004l")
        tcsetattr(input, TCSADRAIN, &attributes)
    }

    /// Writes `text` whole, as far as the terminal takes it (a terminal that went away has no one to tell).
    public func write(_ text: String) {
        _ = StandardStreams.write(text, to: output)
    }

    /// `text` in `style` when styles are on.
    public func paint(_ text: String, _ style: String) -> String {
        styled ? style + text + Style.reset : text
    }

    /// The bytes typed, read on a thread of their own (a read blocks) until the input ends.
    public func bytes() -> AsyncStream<[UInt8]> {
        let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingNewest(4096))
        let input = input
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                if case .terminated = continuation.yield(Array(buffer[..<count])) { break }
            }
            continuation.finish()
        }
        return stream
    }
}
