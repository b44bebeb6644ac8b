public import CopilotCore
public import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The embedded store: one folder per session under a state directory, holding an append-only
/// `events.jsonl` (one persisted event per line, official JSON), a small `metadata.json`, and a
/// `lock` file that a writer holds with `flock`, so a second writer (in this process or another)
/// is refused and a killed writer's lock goes away with it.
public struct FileSessionStore: SessionStore {
    /// The folder that holds one folder per session.
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// `$COPILOT_SWIFT_HOME/sessions`, else `$COPILOT_HOME/copilot-swift/sessions` (the official SDKs
    /// set COPILOT_HOME from their base-directory option), else `$XDG_STATE_HOME/copilot-swift/sessions`, else
    /// `~/.local/state/copilot-swift/sessions` (Linux) or `~/Library/Application Support/copilot-swift/sessions` (macOS).
    public static var defaultDirectory: URL {
        let environment = ProcessInfo.processInfo.environment
        if let home = environment["COPILOT_SWIFT_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home).appendingPathComponent("sessions")
        }
        for variable in ["COPILOT_HOME", "XDG_STATE_HOME"] {
            if let base = environment[variable], !base.isEmpty {
                return URL(fileURLWithPath: base).appendingPathComponent("copilot-swift/sessions")
            }
        }
        #if canImport(Darwin)
        let base = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent("Library/Application Support")
        #else
        let base = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/state")
        #endif
        return base.appendingPathComponent("copilot-swift/sessions")
    }

    private func folder(_ id: String) throws -> URL {
        if let problem = SessionIdentifier.problem(with: id) {
            throw SessionStoreError("'\(id.prefix(64))' is not a valid session id: \(problem).")
        }
        return directory.appendingPathComponent(id)
    }

    public func create(_ metadata: SessionMetadata) async throws -> any SessionLog {
        let folder = try folder(metadata.sessionId)
        // Only the owner may read what sessions hold: folders 0700, files 0600.
        let ownerOnly: [FileAttributeKey: Any] = [.posixPermissions: 0o700]
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: ownerOnly)
        } catch {
            throw SessionStoreError("Cannot keep sessions in \(directory.path): \(Self.reason(error)). Choose another folder (--state-dir, or COPILOT_SWIFT_HOME).")
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: ownerOnly)
        } catch {
            throw SessionStoreError("Session \(metadata.sessionId) already exists in \(directory.path).")
        }
        let log = try FileSessionLog(folder: folder, sessionId: metadata.sessionId)
        try log.writeMetadata(metadata)
        return log
    }

    /// What went wrong with a file operation, in words (not a Cocoa error dump).
    static func reason(_ error: any Error) -> String {
        switch (error as? CocoaError)?.code {
        case .fileWriteFileExists?: "a file of that name is in the way"
        case .fileWriteNoPermission?, .fileReadNoPermission?: "permission denied"
        case .fileWriteOutOfSpace?: "the disk is full"
        case .fileWriteVolumeReadOnly?: "the file system is read-only"
        default: (error as NSError).localizedDescription.trimmingCharacters(in: CharacterSet(charactersIn: ". "))
        }
    }

    public func open(_ sessionId: String, takeOver: Bool) async throws -> StoredSession {
        let folder = try folder(sessionId)
        guard let metadata = try readMetadata(folder) else {
            throw SessionStoreError("Session not found: \(sessionId)")
        }
        let log = try FileSessionLog(folder: folder, sessionId: sessionId, takeOver: takeOver)
        do {
            let read = try Self.readEvents(folder.appendingPathComponent("events.jsonl"))
            var recovery: String?
            if read.bad.isEmpty {
                // A clean log.
            } else if read.onlyTornTail {
                try log.truncate(to: read.goodLength)
                recovery = "a torn last line, cut off"
            } else {
                // Lines damaged in the middle are moved aside once, so the next resume finds a clean log.
                let corrupt = folder.appendingPathComponent("events.corrupt")
                try log.setAside(read.bad, of: read.data, into: corrupt)
                recovery = "kept in \(corrupt.path)"
            }
            return StoredSession(metadata: metadata, events: read.events, droppedLines: read.bad.count, recovery: recovery, log: log)
        } catch {
            log.release()
            throw error
        }
    }

    public func list() async throws -> [SessionMetadata] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return names.compactMap { name in (try? readMetadata(directory.appendingPathComponent(name))) ?? nil }
            .sorted { $0.modifiedAt > $1.modifiedAt }
    }

    public func metadata(_ sessionId: String) async throws -> SessionMetadata? {
        try readMetadata(try folder(sessionId))
    }

    public func events(_ sessionId: String) async throws -> [SessionEvent] {
        let folder = try folder(sessionId)
        guard try readMetadata(folder) != nil else { throw SessionStoreError("Session not found: \(sessionId)") }
        return try Self.readEvents(folder.appendingPathComponent("events.jsonl")).events
    }

    public func delete(_ sessionId: String) async throws {
        let folder = try folder(sessionId)
        guard FileManager.default.fileExists(atPath: folder.path) else { throw SessionStoreError("Session not found: \(sessionId)") }
        guard !FileSessionLog.isHeld(folder) else {
            throw SessionStoreError("Session \(sessionId) is open in another writer (another process or client); close it there first.")
        }
        try FileManager.default.removeItem(at: folder)
    }

    private func readMetadata(_ folder: URL) throws -> SessionMetadata? {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("metadata.json").path) else { return nil }
        return try Self.decoder.decode(SessionMetadata.self, from: data)
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// What reading a log found: the events of every line that parses, and where the lines that do
    /// not are (each range includes its newline, when it has one).
    struct ReadLog {
        var events: [SessionEvent] = []
        var bad: [Range<Int>] = []
        /// The byte length up to the end of the last good line.
        var goodLength = 0
        var data = Data()

        /// Whether every bad line comes after the last good one (a write cut short by a crash).
        var onlyTornTail: Bool { bad.allSatisfy { $0.lowerBound >= goodLength } }
    }

    static func readEvents(_ url: URL) throws -> ReadLog {
        guard let data = FileManager.default.contents(atPath: url.path) else { return ReadLog() }
        var log = ReadLog(data: data)
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard let base = buffer.baseAddress else { return }
            var start = 0
            while start < buffer.count {
                let newline = memchr(base + start, 0x0A, buffer.count - start)
                let end = newline.map { base.distance(to: UnsafeRawPointer($0)) } ?? buffer.count
                if end > start {
                    let line = UnsafeRawBufferPointer(start: base + start, count: end - start)
                    if newline != nil, let event = try? SessionEvent(jsonLine: line) {
                        log.events.append(event)
                        log.goodLength = end + 1
                    } else {
                        log.bad.append(start..<min(end + 1, buffer.count))
                    }
                } else if newline != nil {
                    log.goodLength = end + 1
                }
                start = end + 1
            }
        }
        return log
    }
}

/// One session's open log: appends are single `write` calls of whole lines on an `O_APPEND` file.
final class FileSessionLog: SessionLog {
    private let folder: URL
    private let sessionId: String
    var transcriptPath: String? { folder.appendingPathComponent("events.jsonl").path }
    /// The log's and the lock's file descriptors, and this writer's generation; `nil` once released.
    private let state: Mutex<(events: Int32, lock: Int32, generation: Int)?>

    /// Who may append: the `owner` file holds the current writer's generation and process, and
    /// whether it let the session go. Opening raises the generation; an append checks it under
    /// the lock, so a writer whose session was taken over is fenced at its next append and two
    /// writers never interleave.
    private struct Owner {
        var generation: Int
        var pid: pid_t
        var active: Bool

        init(generation: Int, pid: pid_t, active: Bool) {
            self.generation = generation
            self.pid = pid
            self.active = active
        }

        init?(_ text: String) {
            let parts = text.split(whereSeparator: \.isWhitespace)
            guard parts.count == 3, let generation = Int(parts[0]), let pid = pid_t(parts[1]) else { return nil }
            self.init(generation: generation, pid: pid, active: parts[2] == "active")
        }

        var text: String { "\(generation) \(pid) \(active ? "active" : "released")\n" }

        /// Whether a writer still holds the session (its process is alive and it did not let go).
        var isHeld: Bool { active && (kill(pid, 0) == 0 || errno == EPERM) }
    }

    /// Opens the log for writing. A session another writer holds is refused, unless `takeOver`:
    /// then this writer takes it, and the other one is fenced at its next append.
    init(folder: URL, sessionId: String, takeOver: Bool = false) throws {
        self.folder = folder
        self.sessionId = sessionId
        let lockFD = systemOpen(folder.appendingPathComponent("lock").path, O_CREAT | O_RDWR, 0o600)
        guard lockFD >= 0 else { throw SessionStoreError("Cannot open the lock of session \(sessionId).") }
        let generation: Int
        do {
            generation = try Self.locked(lockFD) {
                let current = Self.readOwner(folder)
                if let current, current.isHeld, !takeOver {
                    throw SessionStoreError("Session \(sessionId) is open in another writer (another process or client); close it there first.")
                }
                let next = Owner(generation: (current?.generation ?? 0) + 1, pid: getpid(), active: true)
                try Self.writeOwner(next, folder)
                return next.generation
            }
        } catch {
            systemClose(lockFD)
            throw error
        }
        let eventsFD = systemOpen(folder.appendingPathComponent("events.jsonl").path, O_CREAT | O_WRONLY | O_APPEND, 0o600)
        guard eventsFD >= 0 else {
            systemClose(lockFD)
            throw SessionStoreError("Cannot open the event log of session \(sessionId).")
        }
        state = Mutex((eventsFD, lockFD, generation))
    }

    /// Whether a writer holds session `folder` now.
    static func isHeld(_ folder: URL) -> Bool { readOwner(folder)?.isHeld ?? false }

    private static func readOwner(_ folder: URL) -> Owner? {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("owner").path) else { return nil }
        return Owner(String(decoding: data, as: UTF8.self))
    }

    private static func writeOwner(_ owner: Owner, _ folder: URL) throws {
        let url = folder.appendingPathComponent("owner")
        try Data(owner.text.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    /// Runs `body` holding the session's lock (only as long as `body` runs).
    private static func locked<T>(_ lockFD: Int32, _ body: () throws -> T) throws -> T {
        while flock(lockFD, LOCK_EX) != 0 {
            guard errno == EINTR else { throw SessionStoreError("Cannot lock a session log (errno \(errno)).") }
        }
        defer { flock(lockFD, LOCK_UN) }
        return try body()
    }

    /// Throws when another writer has taken the session over since this one opened it.
    private func checkOwnership(_ generation: Int, events: Int) throws {
        guard Self.readOwner(folder)?.generation == generation else {
            throw SessionStoreError(
                "Session \(sessionId) is no longer owned by this writer (another writer took it over); \(events) events were not stored.",
                fenced: true)
        }
    }

    /// The batch goes out as one `write` of whole lines, so a crash leaves at most a torn last line.
    func append(_ events: [SessionEvent]) async throws {
        var line: [UInt8] = []
        for event in events { line += (try event.jsonLine() + "\n").utf8 }
        try state.withLock { state in
            guard let fds = state else { throw SessionStoreError("The log of session \(sessionId) is closed.") }
            try Self.locked(fds.lock) {
                try checkOwnership(fds.generation, events: events.count)
                var offset = 0
                while offset < line.count {
                    let written = line.withUnsafeBytes { write(fds.events, $0.baseAddress! + offset, $0.count - offset) }
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw SessionStoreError("Writing the log of session \(sessionId) failed (errno \(errno)).")
                    }
                    offset += written
                }
            }
        }
    }

    func update(_ metadata: SessionMetadata) async throws {
        try state.withLock { state in
            guard let fds = state else { throw SessionStoreError("The log of session \(sessionId) is closed.") }
            try Self.locked(fds.lock) {
                try checkOwnership(fds.generation, events: 0)
                try writeMetadata(metadata)
            }
        }
    }

    func writeMetadata(_ metadata: SessionMetadata) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let url = folder.appendingPathComponent("metadata.json")
        try encoder.encode(metadata).write(to: url, options: .atomic)
        // An atomic write makes a new file with the default mode; narrow it before anything else reads it.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    /// Appends the `bad` ranges of `data` (the log as read) to `corrupt`, and replaces the log with
    /// the rest, atomically: a crash leaves either the old log or the clean one.
    func setAside(_ bad: [Range<Int>], of data: Data, into corrupt: URL) throws {
        var kept = Data()
        var cursor = 0
        var removed = Data()
        for range in bad {
            kept.append(data[cursor..<range.lowerBound])
            removed.append(data[range])
            if removed.last != 0x0A { removed.append(0x0A) }
            cursor = range.upperBound
        }
        kept.append(data[cursor...])
        try state.withLock { state in
            guard let fds = state else { throw SessionStoreError("The log of session \(sessionId) is closed.") }
            let corruptFD = systemOpen(corrupt.path, O_CREAT | O_WRONLY | O_APPEND, 0o600)
            guard corruptFD >= 0 else { throw SessionStoreError("Cannot open \(corrupt.path) to keep the unreadable lines.") }
            defer { systemClose(corruptFD) }
            guard removed.withUnsafeBytes({ write(corruptFD, $0.baseAddress!, $0.count) }) == removed.count, fsync(corruptFD) == 0 else {
                throw SessionStoreError("Cannot write \(corrupt.path) to keep the unreadable lines.")
            }
            let log = folder.appendingPathComponent("events.jsonl")
            let temporary = folder.appendingPathComponent("events.jsonl.repair")
            let temporaryFD = systemOpen(temporary.path, O_CREAT | O_TRUNC | O_WRONLY, 0o600)
            guard temporaryFD >= 0 else { throw SessionStoreError("Cannot repair the log of session \(sessionId).") }
            let written = kept.isEmpty ? 0 : kept.withUnsafeBytes { write(temporaryFD, $0.baseAddress!, $0.count) }
            let synced = fsync(temporaryFD) == 0
            systemClose(temporaryFD)
            guard written == kept.count, synced, rename(temporary.path, log.path) == 0 else {
                throw SessionStoreError("Cannot repair the log of session \(sessionId).")
            }
            // Appends go to the new file from now on.
            let eventsFD = systemOpen(log.path, O_WRONLY | O_APPEND, 0o600)
            guard eventsFD >= 0 else { throw SessionStoreError("Cannot reopen the log of session \(sessionId).") }
            systemClose(fds.events)
            state = (eventsFD, fds.lock, fds.generation)
        }
    }

    /// Cuts the file after its last whole line, so the next append does not continue a torn one.
    func truncate(to length: Int) throws {
        try state.withLock { state in
            guard let fds = state, ftruncate(fds.events, off_t(length)) == 0 else {
                throw SessionStoreError("Could not repair the log of session \(sessionId).")
            }
        }
    }

    func close() async { release() }

    /// Syncs the log to disk and lets go of the lock.
    func release() {
        state.withLock { state in
            guard let fds = state else { return }
            fsync(fds.events)
            systemClose(fds.events)
            // Let go only of what is still ours: a writer that took over keeps the session.
            try? Self.locked(fds.lock) {
                if Self.readOwner(folder)?.generation == fds.generation {
                    try? Self.writeOwner(Owner(generation: fds.generation, pid: getpid(), active: false), folder)
                }
            }
            systemClose(fds.lock)
            state = nil
        }
    }

    deinit { release() }
}

private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func systemClose(_ fd: Int32) { _ = close(fd) }
