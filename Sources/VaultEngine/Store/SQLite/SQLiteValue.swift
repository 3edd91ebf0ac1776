import Foundation

/// One SQLite value, as stored: SQLite's five storage classes.
enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

/// A Swift value that binds to a statement parameter.
protocol SQLiteBindable {
    var sqliteValue: SQLiteValue { get }
}

/// A Swift value read from a column. Conversions are strict: a column of the wrong storage class is not
/// coerced (SQLite would turn `'garbage'` into 0.0), so a damaged row reads as damaged.
protocol SQLiteColumnDecodable {
    init?(sqliteValue: SQLiteValue)
}

extension String: SQLiteBindable, SQLiteColumnDecodable {
    var sqliteValue: SQLiteValue { .text(self) }
    init?(sqliteValue: SQLiteValue) {
        guard case .text(let text) = sqliteValue else { return nil }
        self = text
    }
}

extension Int64: SQLiteBindable, SQLiteColumnDecodable {
    var sqliteValue: SQLiteValue { .integer(self) }
    init?(sqliteValue: SQLiteValue) {
        switch sqliteValue {
        case .integer(let value): self = value
        case .real(let value): guard let exact = Int64(exactly: value) else { return nil }; self = exact
        default: return nil
        }
    }
}

extension Int: SQLiteBindable, SQLiteColumnDecodable {
    var sqliteValue: SQLiteValue { .integer(Int64(self)) }
    init?(sqliteValue: SQLiteValue) {
        guard let wide = Int64(sqliteValue: sqliteValue), let value = Int(exactly: wide) else { return nil }
        self = value
    }
}

extension Double: SQLiteBindable, SQLiteColumnDecodable {
    var sqliteValue: SQLiteValue { .real(self) }
    init?(sqliteValue: SQLiteValue) {
        switch sqliteValue {
        case .integer(let value): self = Double(value)
        case .real(let value): self = value
        default: return nil
        }
    }
}

extension Bool: SQLiteBindable, SQLiteColumnDecodable {
    var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
    init?(sqliteValue: SQLiteValue) {
        switch sqliteValue {
        case .integer(let value): self = value != 0
        case .real(let value): self = value != 0
        default: return nil
        }
    }
}

extension Data: SQLiteBindable, SQLiteColumnDecodable {
    var sqliteValue: SQLiteValue { .blob(self) }
    init?(sqliteValue: SQLiteValue) {
        guard case .blob(let bytes) = sqliteValue else { return nil }
        self = bytes
    }
}

extension Optional: SQLiteBindable where Wrapped: SQLiteBindable {
    var sqliteValue: SQLiteValue { self?.sqliteValue ?? .null }
}

/// One result row: its values by column name.
struct SQLiteRow: Sendable {
    /// Column name to index, shared by every row of one statement.
    let columns: [String: Int]
    let values: [SQLiteValue]

    /// The value of `column`, or nil when the statement has no such column.
    subscript(column: String) -> SQLiteValue? {
        columns[column].map { values[$0] }
    }
}
