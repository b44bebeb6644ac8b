import CopilotRuntime
import CopilotProviders
import CopilotCore
import CopilotSDK
import CopilotTesting
import Foundation
import Testing

@Suite("JSON parsing into JSONValue")
struct JSONParserTests {
    @Test("values read back exactly as they were written", arguments: [
        (#"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#, ["a": 1, "b": [true, false, nil], "c": ["d": "e"]] as JSONValue),
        // -0 is a double, so it keeps its sign when written again (found by fuzzing).
        (" \n\t[ 1 , -2 , 0 , -0 ]\r\n", [1, -2, 0, .double(-0.0)]),
        (#""\u00e9\ud83d\ude00\n\t\"\\\/\b\f\r""#, .string("é😀\n\t\"\\/\u{8}\u{C}\r")),
        (#""plain ünïcödé 日本語 🎉""#, .string("plain ünïcödé 日本語 🎉")),
        (#"[1.5,-2.25e2,1E+2,1e-2,9223372036854775807,9223372036854775808]"#,
         [.double(1.5), .double(-225), .double(100), .double(0.01), .int(Int.max), .double(9_223_372_036_854_775_808)]),
        ("{}", [:]), ("[]", []), (#""""#, ""), ("null", nil), ("true", true),
        (#"{"k":1,"k":2}"#, ["k": 2]),
    ] as [(String, JSONValue)])
    func reads(text: String, expected: JSONValue) throws {
        let value = try JSONValue(parsing: text)
        #expect(value == expected)
        #expect(try JSONValue(parsing: Array(text.utf8)) == expected)
        // Written and read again, the text is the same.
        #expect(try JSONValue(parsing: value.jsonString).jsonString == value.jsonString)
    }

    @Test("invalid JSON is refused with a reason", arguments: [
        "", " ", "{", "[1,]", #"{"a":1,}"#, #"{"a" 1}"#, "{1:2}", "01", "1.", ".5", "+1", "--1", "1e", "-",
        #""abc"#, #""\x""#, #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\u12""#, "\"a\u{01}b\"", "tru", "nul",
        "falsey", "{} x", "[1] [2]", String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
        // Past Double's range: JSON could not write it back (found by fuzzing).
        "1e318", "[-1e400]",
    ])
    func refuses(text: String) {
        #expect(throws: DecodingError.self) { try JSONValue(parsing: text) }
    }

    @Test("agrees with Foundation's JSONDecoder on random documents")
    func agreesWithFoundation() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let value = randomValue(depth: 0, using: &generator)
            let encoder = JSONEncoder()
            encoder.outputFormatting = Bool.random(using: &generator) ? [.prettyPrinted] : []
            let data = try encoder.encode(value)
            let ours = try JSONValue(parsing: data)
            let foundation = try JSONDecoder().decode(JSONValue.self, from: data)
            #expect(ours == foundation, "\(String(decoding: data, as: UTF8.self))")
            #expect(ours == value)
        }
    }

    func randomValue(depth: Int, using generator: inout SystemRandomNumberGenerator) -> JSONValue {
        let pick = depth > 3 ? Int.random(in: 0..<5, using: &generator) : Int.random(in: 0..<7, using: &generator)
        switch pick {
        case 0: return nil
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int.random(in: Int.min...Int.max, using: &generator))
        case 3: return .double(Double(Int.random(in: -1_000_000...1_000_000, using: &generator)) + 0.25)
        case 4: return .string(randomString(using: &generator))
        case 5: return .array((0..<Int.random(in: 0..<5, using: &generator)).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<5, using: &generator) {
                members[randomString(using: &generator)] = randomValue(depth: depth + 1, using: &generator)
            }
            return .object(members)
        }
    }

    func randomString(using generator: inout SystemRandomNumberGenerator) -> String {
        let pieces: [String] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "\u{1F}", "é", "日", "😀", "\u{2028}", "\u{FFFD}"]
        return String((0..<Int.random(in: 0..<12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
    }
}

@Suite("Decoding Decodable types from JSONValue")
struct JSONValueDecodingTests {
    struct Sample: Codable, Equatable {
        var name: String
        var count: Int
        var ratio: Double
        var small: UInt8
        var flags: [Bool]
        var nested: [String: [Int]]
        var optional: String?
        var missing: Int?
        var when: Date
        var bytes: Data
        var link: URL
        var kind: Kind
        enum Kind: String, Codable { case a, b }
    }

    func both<T: Decodable & Equatable>(_ type: T.Type, _ text: String) throws -> T {
        let foundation = try JSONDecoder().decode(T.self, from: Data(text.utf8))
        let ours = try JSONValue(parsing: text).decode(as: T.self)
        #expect(ours == foundation)
        return ours
    }

    @Test("reads what JSONDecoder reads, with its default strategies")
    func sameAsFoundation() throws {
        let sample = Sample(
            name: "x\"y", count: -3, ratio: 2, small: 255, flags: [true, false], nested: ["a": [1, 2]], optional: nil, missing: nil,
            when: Date(timeIntervalSinceReferenceDate: 12.5), bytes: Data([0, 1, 254]), link: URL(string: "https://example.com/a?b=c")!, kind: .b)
        let text = String(decoding: try JSONEncoder().encode(sample), as: UTF8.self)
        #expect(try both(Sample.self, text) == sample)
        #expect(try both([Int].self, "[1, 2.0, -0]") == [1, 2, 0])
        #expect(try both([Double].self, "[1, 2.5]") == [1, 2.5])
        #expect(try both([String: Int?].self, #"{"a":null,"b":1}"#) == ["a": nil, "b": 1])
    }

    @Test("refuses what JSONDecoder refuses, with the same kind of error", arguments: [
        #"{"count":1}"#, #"{"name":1}"#, #"{"name":null}"#, "[1]",
    ])
    func refusals(text: String) throws {
        struct Needs: Decodable { var name: String }
        func kind(_ error: any Error) -> String {
            switch error as? DecodingError {
            case .keyNotFound: "keyNotFound"
            case .typeMismatch: "typeMismatch"
            case .valueNotFound: "valueNotFound"
            case .dataCorrupted: "dataCorrupted"
            default: "other"
            }
        }
        var foundation = ""
        var ours = ""
        do { _ = try JSONDecoder().decode(Needs.self, from: Data(text.utf8)) } catch { foundation = kind(error) }
        do { _ = try JSONValue(parsing: text).decode(as: Needs.self) } catch { ours = kind(error) }
        #expect(!ours.isEmpty && ours == foundation)
        #expect(throws: DecodingError.self) { try JSONValue(parsing: "[1.5]").decode(as: [Int].self) }
        #expect(throws: DecodingError.self) { try JSONValue(parsing: "[256]").decode(as: [UInt8].self) }
    }

    @Test("every event of a real session reads back the same through either decoder")
    func sessionEvents() async throws {
        let server = try await ScriptedProviderServer.start(turns: [
            .toolCalls([("note", #"{"text":"pineapple"}"#)]), .text("Noted."),
        ])
        let note = Tool(name: "note", description: "Notes") { _ in .success("noted") }
        let client = CopilotClient(options: CopilotClientOptions(retryPolicy: .none))
        let session = try await client.createSession(scriptedConfig(server, tools: [note], streaming: true))
        let events = try await runToIdle(session, "Remember pineapple")
        #expect(events.count > 8)
        for event in events {
            let line = try event.jsonLine()
            let foundation = try JSONDecoder().decode(SessionEvent.self, from: Data(line.utf8))
            let ours = try SessionEvent(jsonLine: Array(line.utf8))
            #expect(ours == foundation, "\(event.type)")
            // (The stored timestamp keeps milliseconds; everything else comes back as it was.)
            #expect(ours.id == event.id && ours.parentId == event.parentId && ours.payload == event.payload, "\(event.type)")
        }
        try await client.stop()
        try await server.shutdown()
    }
}
