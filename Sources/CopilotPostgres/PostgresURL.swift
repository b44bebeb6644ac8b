import CopilotRuntime
import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://` (or `postgresql://`) connection URL, read the way libpq reads one:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require|verify-full][&host=/socket/dir][&schema=NAME]`.
///
/// The password may instead come from `PGPASSWORD`, which keeps it out of command lines. A
/// `host` parameter naming a folder connects to the Unix socket in it, as libpq does. `schema` (ours,
/// not libpq's) names the schema that holds the store's tables.
/// ``redacted`` is the only form of the URL that is ever printed.
struct PostgresURL: Sendable {
    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String
    var socketDirectory: String?
    var sslMode: String
    var schema: String?

    init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql"
        else {
            throw badURL("it must start with postgres:// or postgresql://")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let unknown = Set(query.keys).subtracting(["sslmode", "host", "port", "user", "password", "dbname", "schema"])
        if let name = unknown.sorted().first {
            throw badURL("unknown parameter '\(name)'")
        }
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }) ?? query["user"], !user.isEmpty
        else {
            throw badURL("it names no user (postgres://USER@HOST/DATABASE)")
        }
        self.user = user
        self.password =
            components.percentEncodedPassword.flatMap { $0.removingPercentEncoding } ?? query["password"] ?? environment["PGPASSWORD"]
        let hostParameter = query["host"]
        if let hostParameter, hostParameter.hasPrefix("/") {
            socketDirectory = hostParameter
        }
        self.host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? hostParameter.flatMap { $0.hasPrefix("/") ? nil : $0 } ?? "localhost"
        if let portText = query["port"] ?? components.port.map(String.init) {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw badURL("port '\(portText)' is not a port number")
            }
            self.port = port
        } else {
            self.port = 5432
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = query["dbname"] ?? (path.isEmpty ? user : path)
        self.sslMode = query["sslmode"] ?? "prefer"
        self.schema = query["schema"].flatMap { $0.isEmpty ? nil : $0 }
        guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(sslMode) else {
            throw badURL("sslmode '\(sslMode)' is not one of disable, prefer, require, verify-ca, verify-full")
        }
    }

    /// The URL with any password replaced by `***`: safe for logs and error messages.
    var redacted: String {
        let credentials = password == nil ? user : "\(user):***"
        let parameters = [socketDirectory.map { "host=\($0)" }, schema.map { "schema=\($0)" }].compactMap { $0 }
        let location = parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&")
        return "postgres://\(credentials)@\(socketDirectory == nil ? "\(host):\(port)" : "")/\(database)\(location)"
    }

    /// The pool's configuration.
    func clientConfiguration() throws -> PostgresClient.Configuration {
        if let socketDirectory {
            return PostgresClient.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        let tls: PostgresClient.Configuration.TLS =
            switch tlsConfiguration {
            case .none: .disable
            case .some(let configuration): sslMode == "require" || sslMode.hasPrefix("verify") ? .require(configuration) : .prefer(configuration)
            }
        return PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }

    /// A single connection's configuration (the first contact, whose errors are reported as they are).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        if let socketDirectory {
            return PostgresConnection.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        let tls: PostgresConnection.Configuration.TLS =
            switch tlsConfiguration {
            case .none: .disable
            case .some(let configuration):
                sslMode == "require" || sslMode.hasPrefix("verify")
                    ? .require(try NIOSSLContext(configuration: configuration)) : .prefer(try NIOSSLContext(configuration: configuration))
            }
        return PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }

    /// `nil` for `sslmode=disable`. libpq's `require` encrypts without checking the certificate;
    /// `verify-ca` checks it, `verify-full` also checks the host name.
    private var tlsConfiguration: TLSConfiguration? {
        guard sslMode != "disable" else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case "verify-full": configuration.certificateVerification = .fullVerification
        case "verify-ca": configuration.certificateVerification = .noHostnameVerification
        default: configuration.certificateVerification = .none
        }
        return configuration
    }
}

/// Never quotes the URL itself: it may hold a password.
private func badURL(_ reason: String) -> SessionStoreError {
    SessionStoreError("Not a PostgreSQL URL: \(reason).")
}
