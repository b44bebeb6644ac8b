import CopilotCore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The shell commands one session started: `bash` adds them, `read_bash` / `write_bash` /
/// `stop_bash` / `list_bash` find them by shellId, and closing the session kills what still runs.
final class ShellSessions: Sendable {
    /// Most commands a session may have running at once.
    static let runningLimit = 16
    /// Most finished commands kept for `list_bash` and a last `read_bash`.
    static let finishedLimit = 32

    private struct State {
        var shells: [String: BackgroundShell] = [:]
        var order: [String] = []
        var nextID = 1
        var closed = false
    }

    private let state = Mutex(State())
    /// The ``ProcessOwner`` scope of this session's commands (its id).
    let scope: String

    init(scope: String) {
        self.scope = scope
    }

    /// Starts `command` in `directory`.
    ///
    /// - Throws: ``BuiltInToolError`` when the session has too many commands running or is closed;
    ///   `CopilotError` when the process cannot be started.
    func start(_ command: String, in directory: String) throws -> BackgroundShell {
        let id = try state.withLock { state -> String in
            guard !state.closed else { throw BuiltInToolError("The session is closed; no more commands can be started.") }
            let running = state.shells.values.filter { !$0.hasExited }.count
            guard running < Self.runningLimit else {
                throw BuiltInToolError("\(running) commands are still running in this session; stop one with stop_bash first.")
            }
            defer { state.nextID += 1 }
            return String(state.nextID)
        }
        let shell = try BackgroundShell(id: id, command: command, directory: directory, scope: scope)
        let evicted = state.withLock { state -> [BackgroundShell] in
            state.shells[id] = shell
            state.order.append(id)
            // Forget the oldest finished commands beyond the limit.
            let finished = state.order.filter { state.shells[$0]?.hasExited == true }
            let forget = finished.dropLast(Self.finishedLimit)
            for old in forget { state.shells.removeValue(forKey: old) }
            state.order.removeAll { forget.contains($0) }
            return state.closed ? [shell] : []
        }
        for shell in evicted { shell.kill() }
        return shell
    }

    func shell(_ id: String) throws -> BackgroundShell {
        guard let shell = state.withLock({ $0.shells[id] }) else {
            throw BuiltInToolError("There is no shell with shellId \(id); list_bash shows the commands of this session.")
        }
        return shell
    }

    /// Every command, oldest first.
    var all: [BackgroundShell] { state.withLock { state in state.order.compactMap { state.shells[$0] } } }

    /// Ends every process the session's commands started — also what they left running in the
    /// background or moved out of their group — and starts no more.
    func closeAll() async {
        let shells = state.withLock { state in
            state.closed = true
            return Array(state.shells.values)
        }
        for shell in shells { shell.markStopped() }
        await ProcessOwner.shared.end(scope: scope)
        for shell in shells { shell.closeInput() }
    }
}

/// A command started by `bash`, in its own process group, whose standard output and error are
/// collected together (in the order written) until someone reads them.
final class BackgroundShell: Sendable {
    let id: String
    let command: String
    private let process: ChildProcess

    /// Most unread output kept; older output is dropped (and the drop is reported).
    static let bufferLimit = 1024 * 1024

    private struct State {
        var unread: [UInt8] = []
        /// How much of `unread` was already shown as partial output.
        var previewed = 0
        var dropped = 0
        var exitCode: Int32?
        var outputClosed = false
        var finished = false
        var stopped = false
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    init(id: String, command: String, directory: String, scope: String) throws {
        self.id = id
        self.command = command
        process = try ProcessOwner.shared.spawn(
            .shell(command, in: directory, environment: ["PAGER": "cat", "GIT_PAGER": "cat"], mergeOutput: true), scope: scope)
        let fd = process.stdoutFD
        // Blocking reads and waits get threads of their own: on the shared pool they could wait
        // behind other blocked work and delay what the command prints by seconds.
        Thread.detachNewThread { [self] in readOutput(fd) }
        Thread.detachNewThread { [self] in awaitExit() }
    }

    /// Whether the command has ended (its exit code is known and its output read).
    var hasExited: Bool { state.withLock { $0.finished } }
    /// The exit code, once ended (128 + signal when killed).
    var exitCode: Int32? { state.withLock { $0.finished ? $0.exitCode : nil } }
    /// Whether `stop_bash` (or the session's end) stopped it.
    var wasStopped: Bool { state.withLock { $0.stopped } }

    /// Takes the output written since the last call, with a note when some was dropped.
    func takeOutput(limit: Int = 64 * 1024) -> String {
        let (bytes, dropped) = state.withLock { state -> ([UInt8], Int) in
            defer {
                state.unread.removeAll()
                state.previewed = 0
                state.dropped = 0
            }
            var dropped = state.dropped
            var bytes = state.unread
            if bytes.count > limit {
                dropped += bytes.count - limit
                bytes.removeFirst(bytes.count - limit)
            }
            return (bytes, dropped)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        return dropped > 0 ? "[\(dropped) earlier bytes of output not shown]\n" + text : text
    }

    /// Output written since the last preview (it stays unread for ``takeOutput(limit:)``).
    func previewOutput() -> String {
        let bytes = state.withLock { state -> ArraySlice<UInt8> in
            let start = min(state.previewed, state.unread.count)
            defer { state.previewed = state.unread.count }
            return state.unread[start...]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Sends `text` to the command's standard input.
    func write(_ text: String) -> Bool { process.write(text) }

    /// Waits until the command ends or `duration` passes on `clock`; returns whether it ended.
    /// Cancellation ends the wait early (the command goes on).
    func wait(upTo duration: Duration, clock: any Clock<Duration>) async -> Bool {
        if hasExited { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.untilFinished() }
            group.addTask {
                try? await clock.sleep(for: duration)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || hasExited
        }
    }

    /// Kills the command's whole process group.
    func kill() {
        markStopped()
        process.signalGroup(SIGKILL)
        process.closeInput()
    }

    /// Notes that the command was stopped, unless it had already ended.
    func markStopped() {
        state.withLock { $0.stopped = !$0.finished || $0.stopped }
    }

    func closeInput() { process.closeInput() }

    // MARK: - Background readers

    private func untilFinished() async -> Bool {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { state -> Bool in
                    if state.finished || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
        return hasExited
    }

    private func readOutput(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc_read(fd, $0.baseAddress!, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            state.withLock { state in
                state.unread.append(contentsOf: buffer[0..<count])
                if state.unread.count > Self.bufferLimit {
                    let excess = state.unread.count - Self.bufferLimit
                    state.unread.removeFirst(excess)
                    state.previewed = max(0, state.previewed - excess)
                    state.dropped += excess
                }
            }
        }
        close(fd)
        finish { $0.outputClosed = true }
    }

    private func awaitExit() {
        let code = process.waitForExitBlocking()
        // A background child may keep the output open; give the reader a moment, then end anyway.
        for _ in 0..<20 where !state.withLock({ $0.outputClosed }) { usleep(10_000) }
        finish { $0.exitCode = code }
    }

    /// Updates the state; once the exit code is known the command is finished and waiters resume.
    private func finish(_ update: (inout State) -> Void) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            update(&state)
            guard state.exitCode != nil, !state.finished else { return [] }
            state.finished = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }
}

private func Glibc_read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
