public import Foundation

extension SessionEvent: Codable {
    private enum CodingKeys: String, CodingKey {
        case id, timestamp, parentId, ephemeral, agentId, type, data
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let idText = try container.decode(String.self, forKey: .id)
        guard let id = UUID(parsing: idText) else {
            throw DecodingError.dataCorruptedError(forKey: .id, in: container, debugDescription: "event id '\(idText)' is not a UUID")
        }
        let timestampText = try container.decode(String.self, forKey: .timestamp)
        guard let timestamp = EventTimestamp.parse(timestampText) else {
            throw DecodingError.dataCorruptedError(
                forKey: .timestamp, in: container, debugDescription: "timestamp '\(timestampText)' is not ISO 8601")
        }
        let parentText = try container.decodeIfPresent(String.self, forKey: .parentId)
        let type = try container.decode(String.self, forKey: .type)
        let payload = try Payload.decode(type: type, from: container.superDecoder(forKey: .data))
        self.init(
            id: id, timestamp: timestamp, parentId: parentText.flatMap(UUID.init(parsing:)),
            ephemeral: try container.decodeIfPresent(Bool.self, forKey: .ephemeral) ?? false,
            agentId: try container.decodeIfPresent(String.self, forKey: .agentId), payload: payload)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.uuidString.lowercased(), forKey: .id)
        try container.encode(EventTimestamp.format(timestamp), forKey: .timestamp)
        try container.encode(parentId?.uuidString.lowercased(), forKey: .parentId)
        if ephemeral { try container.encode(true, forKey: .ephemeral) }
        try container.encodeIfPresent(agentId, forKey: .agentId)
        try container.encode(type, forKey: .type)
        try payload.encodeData(to: container.superEncoder(forKey: .data))
    }

    /// Reads an event from its JSON text (one line of `events.jsonl`, a stored row).
    public init(jsonLine bytes: some ContiguousBytes) throws {
        self = try JSONValue(parsing: bytes).decode(as: SessionEvent.self)
    }

    /// Reads an event from its JSON text, in place.
    public init(jsonLine text: String) throws {
        self = try JSONValue(parsing: text).decode(as: SessionEvent.self)
    }

    /// The event as one line of JSON, as `--events jsonl` prints it and `events.jsonl` stores it.
    public func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension SessionEvent.Payload {
    /// The payload of a `type` event, decoded from its `data`; a type not in ``registry`` decodes as ``unknown(type:data:)``.
    static func decode(type: String, from decoder: any Decoder) throws -> Self {
        guard let dataType = registry[type] else { return .unknown(type: type, data: try JSONValue(from: decoder)) }
        func decode<Data: SessionEventData>(_: Data.Type) throws -> Self { try Data(from: decoder).payload }
        return try decode(dataType)
    }

    func encodeData(to encoder: any Encoder) throws {
        if case .unknown(_, let data) = self { return try data.encode(to: encoder) }
        try accept(Encoding(encoder: encoder))?.get()
    }
}

private struct Encoding: SessionEventDataVisitor {
    let encoder: any Encoder
    func visit<Data: SessionEventData>(_ data: Data) -> Result<Void, any Error> {
        Result { try data.encode(to: encoder) }
    }
}

/// ISO 8601 timestamps with milliseconds, in UTC, as the official runtime writes them.
package enum EventTimestamp {
    /// `2026-01-01T00:00:00.000Z`, rounded to the nearest millisecond.
    ///
    /// Written with integer arithmetic: Foundation's formatter truncates the binary fraction, so a
    /// timestamp read and written again could lose a millisecond each time (found by fuzzing).
    package static func format(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, millisecond) = floorDivision(milliseconds, 1000)
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        let (year, month, day) = civilDate(daysSince1970: days)
        func digits(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return "\(digits(year, 4))-\(digits(month, 2))-\(digits(day, 2))T\(digits(secondOfDay / 3600, 2)):"
            + "\(digits(secondOfDay / 60 % 60, 2)):\(digits(secondOfDay % 60, 2)).\(digits(millisecond, 3))Z"
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = (value % divisor + divisor) % divisor
        return ((value - remainder) / divisor, remainder)
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    private static func civilDate(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The day number of a proleptic Gregorian date, 1970-01-01 being 0 (Hinnant's `days_from_civil`).
    private static func daysSince1970(year: Int64, month: Int64, day: Int64) -> Int64 {
        let year = month <= 2 ? year - 1 : year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS`, with any fraction of a second, then `Z` or an offset `±HH:MM`.
    ///
    /// Proleptic Gregorian, as ``format(_:)`` writes: Foundation's parser switches to the Julian
    /// calendar before 1582, so what it read and this wrote differed by days (found by fuzzing).
    package static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            var position = 0
            func number(_ width: Int) -> Int64? {
                guard position + width <= bytes.count else { return nil }
                var value: Int64 = 0
                for byte in bytes[position..<position + width] {
                    guard (0x30...0x39).contains(byte) else { return nil }
                    value = value * 10 + Int64(byte - 0x30)
                }
                position += width
                return value
            }
            func expect(_ character: UInt8) -> Bool {
                guard position < bytes.count, bytes[position] == character else { return false }
                position += 1
                return true
            }
            guard let year = number(4), expect(0x2D), let month = number(2), expect(0x2D), let day = number(2),
                expect(0x54) || expect(0x74), let hour = number(2), expect(0x3A), let minute = number(2),
                expect(0x3A), let second = number(2),
                (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
            else { return nil }
            let nextMonth = month == 12 ? daysSince1970(year: year + 1, month: 1, day: 1) : daysSince1970(year: year, month: month + 1, day: 1)
            guard day <= nextMonth - daysSince1970(year: year, month: month, day: 1) else { return nil }
            var fraction = 0.0
            if expect(0x2E) {
                var scale = 0.1
                let start = position
                while position < bytes.count, (0x30...0x39).contains(bytes[position]) {
                    fraction += Double(bytes[position] - 0x30) * scale
                    scale /= 10
                    position += 1
                }
                guard position > start else { return nil }
            }
            var offset: Int64 = 0
            if expect(0x5A) || expect(0x7A) {
                // UTC
            } else if position < bytes.count, bytes[position] == 0x2B || bytes[position] == 0x2D {
                let sign: Int64 = bytes[position] == 0x2D ? -1 : 1
                position += 1
                guard let hours = number(2), expect(0x3A), let minutes = number(2), hours < 24, minutes < 60 else { return nil }
                offset = sign * (hours * 3600 + minutes * 60)
            } else {
                return nil
            }
            guard position == bytes.count else { return nil }
            let seconds = daysSince1970(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
            // Whole seconds and the fraction apart, so the milliseconds read back exactly.
            return Date(timeIntervalSince1970: Double(seconds) + fraction)
        }
    }
}

extension UUID {
    /// Reads the 36-character form (`8-4-4-4-12` hex digits, either case). corelibs Foundation's
    /// `UUID(uuidString:)` goes through `sscanf`, which made it a visible cost of reading a log back.
    init?(parsing text: String) {
        var text = text
        let parsed: uuid_t? = text.withUTF8 { bytes -> uuid_t? in
            guard bytes.count == 36, bytes[8] == 0x2D, bytes[13] == 0x2D, bytes[18] == 0x2D, bytes[23] == 0x2D else { return nil }
            var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var index = 0
            var ok = true
            withUnsafeMutableBytes(of: &value) { out in
                for byteIndex in 0..<16 {
                    if index == 8 || index == 13 || index == 18 || index == 23 { index += 1 }
                    guard let high = Self.hexValue(bytes[index]), let low = Self.hexValue(bytes[index + 1]) else {
                        ok = false
                        return
                    }
                    out[byteIndex] = high << 4 | low
                    index += 2
                }
            }
            return ok ? value : nil
        }
        guard let parsed else { return nil }
        self.init(uuid: parsed)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x61...0x66: byte - 0x61 + 10
        case 0x41...0x46: byte - 0x41 + 10
        default: nil
        }
    }
}
