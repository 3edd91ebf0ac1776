import Foundation

/// The one reading of a date that a person or a program types: the CLI's `--expires`, `--not-before`,
/// `audit list --since/--until`, and the mount's `user.kv.nbf`/`user.kv.exp` extended attributes.
///
/// A date is an ISO 8601 (RFC 3339) time **with a zone**: `2027-06-30T12:00:00Z`, `2027-06-30T12:00Z`,
/// `2027-06-30T12:00:00.250+02:00`. A time without a zone (`2027-06-30T12:00`) and a bare day (`2027-06-30`) are
/// refused: which midnight or noon they mean depends on where they are read, and a vault's expiry must not.
/// Nothing may follow the zone. Azure's CLI documents the same shape (ISO 8601 with a zone).
public enum DateRules {
    /// What a door accepts besides ISO 8601 with a zone.
    public enum Spelling: Sendable {
        /// ISO 8601 with a zone only (the CLI, as Azure's CLI).
        case iso8601
        /// ISO 8601 with a zone, or Unix seconds (`1893456000`, Azure's IntDate), as the mount's xattrs take.
        case iso8601OrUnixSeconds
    }

    /// Parses `text` as a date.
    /// - Parameters:
    ///   - field: how the caller names the value in an error (`--expires`, `user.kv.exp`).
    /// - Throws: `VaultError.invalidArgument` saying what is wrong and what to write instead.
    public static func parse(_ text: String, field: String, accepting spelling: Spelling = .iso8601) throws -> Date {
        let shown = "\(field) '\(Names.printable(String(text.prefix(64))))'"
        if spelling == .iso8601OrUnixSeconds, let seconds = unixSeconds(text) {
            let date = Date(timeIntervalSince1970: seconds)
            guard AttributeRules.isRepresentable(date) else { throw VaultError.invalid("\(shown) is outside the years 0001 to 9999.") }
            return date
        }
        switch scan(Array(text.utf8)) {
        case .date(let date):
            return date
        case .dayOnly:
            throw VaultError.invalid("\(shown) has no time and no zone; write a time with a zone, such as \(text)T00:00:00Z.")
        case .noZone:
            throw VaultError.invalid("\(shown) has no time zone; add Z (UTC) or an offset such as +02:00, as in \(text)Z.")
        case .trailing(let rest):
            throw VaultError.invalid("\(shown) has '\(Names.printable(String(rest.prefix(32))))' after its time zone; a date ends with Z or an offset such as +02:00.")
        case .outOfRange(let what):
            throw VaultError.invalid("\(shown) has no such \(what).")
        case .malformed:
            let example = spelling == .iso8601 ? "" : " or Unix seconds"
            throw VaultError.invalid("\(shown) is not an ISO 8601 time with a zone (such as 2027-01-31T12:00:00Z)\(example).")
        }
    }

    /// Unix seconds: digits with an optional sign and fraction (never `inf`, `nan` or an exponent).
    private static func unixSeconds(_ text: String) -> Double? {
        var body = Substring(text)
        if body.first == "-" { body = body.dropFirst() }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { ("0"..."9").contains($0) } }) else { return nil }
        return Double(text)
    }

    private enum Scan {
        case date(Date)
        case dayOnly, noZone, malformed
        case trailing(String)
        case outOfRange(String)
    }

    /// `YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|±HH:MM)`, `T` and `Z` in either case.
    private static func scan(_ bytes: [UInt8]) -> Scan {
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= bytes.count else { return nil }
            var value = 0
            for b in bytes[i..<(i + digits)] {
                guard (0x30...0x39).contains(b) else { return nil }
                value = value * 10 + Int(b - 0x30)
            }
            i += digits
            return value
        }
        /// Takes one ASCII character; letters in either case.
        func take(_ c: Unicode.Scalar) -> Bool {
            let ascii = UInt8(ascii: c)
            let isLetter = (0x41...0x5A).contains(ascii)
            guard i < bytes.count, bytes[i] == ascii || (isLetter && bytes[i] == ascii | 0x20) else { return false }
            i += 1
            return true
        }
        guard let year = number(4), take("-"), let month = number(2), take("-"), let day = number(2) else { return .malformed }
        guard (1...12).contains(month) else { return .outOfRange("month") }
        guard (1...daysIn(month: month, year: year)).contains(day), year >= 1 else { return .outOfRange("day") }
        if i == bytes.count { return .dayOnly }
        guard take("T"), let hour = number(2), take(":"), let minute = number(2) else { return .malformed }
        var second = 0.0
        if take(":") {
            guard let whole = number(2) else { return .malformed }
            second = Double(whole)
            if take(".") {
                let start = i
                while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
                guard i > start else { return .malformed }
                second += Double("0." + String(decoding: bytes[start..<i], as: UTF8.self)) ?? 0
            }
        }
        guard hour <= 23, minute <= 59, second < 60 else { return .outOfRange("time of day") }
        if i == bytes.count { return .noZone }
        var offset = 0
        if take("Z") {
            offset = 0
        } else if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
            let sign = bytes[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let hours = number(2), take(":"), let minutes = number(2) else { return .malformed }
            guard hours <= 23, minutes <= 59 else { return .outOfRange("time zone offset") }
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            return .malformed
        }
        if i < bytes.count { return .trailing(String(decoding: bytes[i...], as: UTF8.self)) }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 - offset) + second
        let date = Date(timeIntervalSince1970: seconds)
        guard AttributeRules.isRepresentable(date) else { return .outOfRange("date in the years 0001 to 9999") }
        return .date(date)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
