import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place the runtime starts a child process, and the one that can always end them.
///
/// Every child runs in a process group of its own, with no signal blocked and the usual
/// dispositions, and an environment of harmless variables (``inheritedEnvironment(_:)``) plus what
/// its caller asks for — never the runtime's keys and tokens. Each child also carries a mark,
/// `COPILOT_SWIFT_OWNER=<owner>/<scope>` (the owner is this process's id and start time; the scope is
/// usually a session id), which whatever it starts inherits. Ending a scope ends the children's
/// groups and, on Linux, every process that still carries the scope's mark — also a grandchild that
/// left the group (`setsid`, `nohup`, `&` in a shell that exited). A runtime killed before it could
/// end its children leaves them marked with an owner that no longer exists;
/// ``endOrphansOfEndedOwners()`` ends those when a runtime starts again.
///
/// With ``adoptOrphans()`` (the `copilot-swift` program turns it on; a library should not), the
/// runtime is also the Linux child subreaper (`PR_SET_CHILD_SUBREAPER`): a grandchild whose parent
/// exits becomes the runtime's child rather than init's, is found even when it cleared its
/// environment, and is reaped here. On macOS, which has neither `/proc` nor subreapers, ending a
/// scope ends the children's process groups only.
package final class ProcessOwner: Sendable {
    /// The process-wide owner.
    package static let shared = ProcessOwner()

    /// The environment variable that marks a child.
    package static let markName = "COPILOT_SWIFT_OWNER"
    /// How long an ended child has after SIGTERM before SIGKILL.
    package static let terminationGrace: Duration = .seconds(2)

    /// This process, as marks name it: `pid.starttime`, so a reused process id is not mistaken for it.
    package let identity: String

    private struct State {
        /// Children started and not yet reaped, by scope.
        var children: [String: [pid_t: ChildProcess]] = [:]
        var adopting = false
        /// Whether any child was started (else there is nothing to end).
        var started = false
    }

    private let state = Mutex(State())

    private init() {
        identity = "\(getpid()).\(Self.startTime(of: getpid()) ?? 0)"
    }

    // MARK: Starting

    /// Starts a child in `scope` (a session's id, or a name for the runtime's own helpers).
    ///
    /// - Throws: `CopilotError` when the program cannot be started.
    package func spawn(_ configuration: ChildProcess.Configuration, scope: String) throws -> ChildProcess {
        let own = ProcessInfo.processInfo.environment
        var environment = configuration.inheritsWholeEnvironment ? own : Self.inheritedEnvironment(own)
        for (name, value) in configuration.environment { environment[name] = value }
        environment[Self.markName] = mark(scope)
        let child = try ChildProcess(configuration, environment: environment.map { "\($0.key)=\($0.value)" })
        state.withLock { state in
            // Reaped children are forgotten here, so a long session's list stays short.
            state.children[scope] = (state.children[scope] ?? [:]).filter { !$0.value.hasExited }
            state.children[scope, default: [:]][child.pid] = child
            state.started = true
        }
        return child
    }

    /// What a child may see of this process's environment: where things are and how to speak
    /// (paths, user, locale, terminal, temporary folder, time zone, the usual toolchain homes), never
    /// the keys, tokens, connection strings and passwords a runtime is given.
    package static func inheritedEnvironment(_ environment: [String: String]) -> [String: String] {
        environment.filter { name, _ in
            inheritedNames.contains(name) || name.hasPrefix("LC_") || name.hasPrefix("XDG_")
        }
    }

    private static let inheritedNames: Set<String> = [
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TERM", "COLORTERM", "TMPDIR", "TZ", "PWD",
        "EDITOR", "VISUAL", "GOPATH", "GOROOT", "JAVA_HOME", "CARGO_HOME", "RUSTUP_HOME", "VIRTUAL_ENV", "PYENV_ROOT",
        "NVM_DIR", "SSL_CERT_FILE", "SSL_CERT_DIR",
    ]

    private func mark(_ scope: String) -> String { "\(identity)/\(scope)" }

    /// Makes this process the child subreaper (Linux), so grandchildren that lose their parent are
    /// re-parented here, where ending a scope or the runtime finds and reaps them. Only for a program
    /// that owns its process (the `copilot-swift` runtime), not for a library inside someone's app.
    package func adoptOrphans() {
        #if os(Linux)
        // prctl(2) is not in the Glibc module Swift imports; PR_SET_CHILD_SUBREAPER is 36.
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return }
        if unsafeBitCast(symbol, to: Prctl.self)(36, 1, 0, 0, 0) == 0 { state.withLock { $0.adopting = true } }
        #endif
    }

    // MARK: Ending

    /// Ends every process of `scope`: SIGTERM to the children's groups and to every process carrying
    /// the scope's mark, SIGKILL to whatever is left after ``terminationGrace``; then reaps adopted ones.
    package func end(scope: String) async {
        guard state.withLock({ $0.started }) else { return }
        await end(matching: { $0 == self.mark(scope) }, groups: state.withLock { Array(($0.children[scope] ?? [:]).values) })
        state.withLock { state in
            state.children[scope] = state.children[scope]?.filter { !$0.value.hasExited }
            if state.children[scope]?.isEmpty == true { state.children[scope] = nil }
        }
    }

    /// Ends every process this runtime started, in every scope (the runtime is stopping).
    package func endAll() async {
        guard state.withLock({ $0.started }) else { return }
        let prefix = identity + "/"
        await end(matching: { $0.hasPrefix(prefix) }, groups: state.withLock { $0.children.values.flatMap(\.values) })
    }

    /// Ends the processes whose mark names an owner that is no longer running — what a runtime
    /// killed with SIGKILL (or a crash) left behind. Other runtimes' children are left alone.
    /// Returns how many were ended.
    @discardableResult
    package static func endOrphansOfEndedOwners() -> Int {
        #if os(Linux)
        var owners: [String: Bool] = [:]
        var ended = 0
        for process in markedProcesses() {
            guard let owner = process.mark.split(separator: "/", maxSplits: 1).first.map(String.init) else { continue }
            let alive = owners[owner] ?? isRunning(owner)
            owners[owner] = alive
            if !alive {
                kill(process.pid, SIGKILL)
                ended += 1
            }
        }
        return ended
        #else
        return 0
        #endif
    }

    private func end(matching wanted: @escaping @Sendable (String) -> Bool, groups: [ChildProcess]) async {
        for child in groups { child.signalGroup(SIGTERM) }
        var marked = Self.markedProcesses().filter { wanted($0.mark) }.map(\.pid)
        for pid in marked { kill(pid, SIGTERM) }
        let deadline = ContinuousClock.now + Self.terminationGrace
        while ContinuousClock.now < deadline {
            reapAdopted(marked)
            // A child that ended but is not reaped yet (its waiter reaps it) counts as ended.
            let living = groups.contains { !$0.hasExited && Self.isAlive($0.pid) } || marked.contains { Self.isAlive($0) }
            if !living { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        for child in groups { child.signalGroup(SIGKILL) }
        // Anything started during the grace is found by its mark too.
        marked += Self.markedProcesses().filter { wanted($0.mark) }.map(\.pid)
        for pid in Set(marked) where Self.isAlive(pid) { kill(pid, SIGKILL) }
        for _ in 0..<50 {
            reapAdopted(marked)
            if !marked.contains(where: { Self.isAlive($0) }) { break }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Reaps those of `pids` that were re-parented here and have ended (a child this owner started
    /// is reaped by whoever waits for it, never here).
    private func reapAdopted(_ pids: [pid_t]) {
        #if os(Linux)
        let (adopting, started) = state.withLock { state in
            (state.adopting, Set(state.children.values.flatMap(\.keys)))
        }
        guard adopting else { return }
        for pid in pids where !started.contains(pid) && Self.parent(of: pid) == getpid() {
            var status: Int32 = 0
            _ = waitpid(pid, &status, WNOHANG)
        }
        #endif
    }

    // MARK: /proc

    /// The processes of this user that carry a mark, and the mark (Linux; none elsewhere).
    static func markedProcesses() -> [(pid: pid_t, mark: String)] {
        #if os(Linux)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let own = getpid()
        let key = Array((markName + "=").utf8)
        var found: [(pid: pid_t, mark: String)] = []
        for name in names {
            guard let pid = pid_t(name), pid != own,
                let environment = readProcFile("/proc/\(name)/environ", limit: 1 << 20)
            else { continue }
            for entry in environment.split(separator: 0) where entry.starts(with: key) {
                found.append((pid, String(decoding: entry.dropFirst(key.count), as: UTF8.self)))
            }
        }
        return found
        #else
        return []
        #endif
    }

    /// Whether `pid` is a process that has not ended (a zombie has ended).
    static func isAlive(_ pid: pid_t) -> Bool {
        #if os(Linux)
        guard let fields = statFields(of: pid) else { return false }
        return fields.first != "Z" && fields.first != "X"
        #else
        return kill(pid, 0) == 0
        #endif
    }

    /// Whether the owner `pid.starttime` still runs.
    private static func isRunning(_ owner: String) -> Bool {
        let parts = owner.split(separator: ".")
        guard parts.count == 2, let pid = pid_t(parts[0]), let start = UInt64(parts[1]) else { return true }
        return isAlive(pid) && startTime(of: pid) == start
    }

    private static func parent(of pid: pid_t) -> pid_t? {
        statFields(of: pid).flatMap { $0.count > 1 ? pid_t($0[1]) : nil }
    }

    /// When `pid` started, in clock ticks since boot (Linux; nil elsewhere).
    static func startTime(of pid: pid_t) -> UInt64? {
        statFields(of: pid).flatMap { $0.count > 19 ? UInt64($0[19]) : nil }
    }

    /// The fields of `/proc/PID/stat` after the command name: state, ppid, pgrp, … (`man 5 proc`).
    private static func statFields(of pid: pid_t) -> [String]? {
        #if os(Linux)
        guard let data = readProcFile("/proc/\(pid)/stat", limit: 4096),
            let close = data.lastIndex(of: UInt8(ascii: ")"))
        else { return nil }
        return String(decoding: data[(close + 1)...], as: UTF8.self).split(separator: " ").map(String.init)
        #else
        return nil
        #endif
    }

    /// Up to `limit` bytes of a `/proc` file (whose size `stat` reports as 0), or nil when it cannot be read.
    private static func readProcFile(_ path: String, limit: Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while data.count < limit {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            data += buffer[0..<min(count, limit - data.count)]
        }
        return data
    }
}
