import ArgumentParser
import Logging

/// A `--log-level` value: the Copilot CLI's names (`none`, `error`, `warning`, `info`, `debug`, `all`,
/// as the official SDKs pass them) and swift-log's (`trace`, `notice`, `critical`). Anything else is
/// refused with the list, rather than read as the default.
struct LogLevel: ExpressibleByArgument, Sendable {
    var level: Logger.Level

    static let warning = LogLevel(level: .warning)
    static let error = LogLevel(level: .error)

    init(level: Logger.Level) { self.level = level }

    init?(argument: String) {
        switch argument.lowercased() {
        case "none", "critical": level = .critical
        case "error": level = .error
        case "warning", "warn": level = .warning
        case "notice": level = .notice
        case "info": level = .info
        case "debug": level = .debug
        case "all", "trace": level = .trace
        default: return nil
        }
    }

    static var allValueStrings: [String] { ["none", "error", "warning", "notice", "info", "debug", "all"] }

    var defaultValueDescription: String { level == .critical ? "none" : level == .trace ? "all" : level.rawValue }
}

/// Sends log lines to stderr at `level`, so stdout carries only the answer.
func bootstrapLogging(level: LogLevel) {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level.level
        return handler
    }
}
