import CSQLite
import Foundation

/// A failed SQLite call: its primary result code and SQLite's message (which names no value: kvfs binds
/// every value as a parameter, so statements hold none).
struct SQLiteError: Error, CustomStringConvertible {
    let code: Int32
    let message: String

    /// The primary result code (`SQLITE_BUSY` for every `SQLITE_BUSY_*`).
    var primaryCode: Int32 { code & 0xff }
    var description: String { "SQLite error \(code): \(message)" }
}

/// One SQLite connection with its compiled statements. Not thread-safe: a pool hands it to one thread at
/// a time.
final class SQLiteConnection {
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]
    /// Each statement's column names, with the statement's re-prepare count when they were read: SQLite
    /// recompiles a statement on its own after a schema change (another process's migration), and a `*`
    /// then has other columns.
    private var columnIndexes: [OpaquePointer: (prepares: Int32, index: [String: Int])] = [:]

    /// Opens the database at `path`. `create` makes the file when missing; otherwise it must exist.
    init(path: String, create: Bool = false) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0)
        let result = sqlite3_open_v2(path, &db, flags, nil)
        guard result == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: result, message: message)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Waits up to `seconds` for another process's lock before failing with `SQLITE_BUSY`.
    func setBusyTimeout(seconds: Int32) {
        sqlite3_busy_timeout(handle, seconds * 1000)
    }

    /// Runs one or more statements that take no parameters (schema, pragmas, transaction control).
    func execute(_ sql: String) throws {
        try check(sqlite3_exec(handle, sql, nil, nil, nil))
    }

    /// Runs one statement with parameters, discarding any rows.
    func run(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws {
        try step(sql, arguments) { _ in }
    }

    /// Every row one statement returns.
    func rows(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws -> [SQLiteRow] {
        var rows: [SQLiteRow] = []
        try step(sql, arguments) { rows.append($0) }
        return rows
    }

    /// The first row one statement returns, if any.
    func row(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws -> SQLiteRow? {
        try rows(sql, arguments).first
    }

    /// The rowid of the last successful INSERT on this connection.
    var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Whether the schema has a table of that name.
    func tableExists(_ name: String) throws -> Bool {
        try row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]) != nil
    }

    // MARK: statements

    private func step(_ sql: String, _ arguments: [any SQLiteBindable], _ each: (SQLiteRow) -> Void) throws {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        guard Int(sqlite3_bind_parameter_count(statement)) == arguments.count else {
            throw SQLiteError(code: SQLITE_RANGE, message: "statement takes \(sqlite3_bind_parameter_count(statement)) arguments, \(arguments.count) given")
        }
        for (offset, argument) in arguments.enumerated() {
            try bind(argument.sqliteValue, at: Int32(offset + 1), in: statement)
        }
        var columns: [String: Int]?
        while true {
            let result = sqlite3_step(statement)
            if result == SQLITE_DONE { return }
            guard result == SQLITE_ROW else { try check(result); return }
            // After the first step: that is where SQLite re-prepares a statement whose schema changed.
            let names = columns ?? columnIndex(of: statement)
            columns = names
            each(SQLiteRow(columns: names, values: (0..<sqlite3_column_count(statement)).map { value(at: $0, in: statement) }))
        }
    }

    /// Statements are compiled once per connection and reused: parsing dominated small operations.
    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        try check(sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil))
        guard let statement else { throw SQLiteError(code: SQLITE_MISUSE, message: "empty statement") }
        statements[sql] = statement
        return statement
    }

    private func columnIndex(of statement: OpaquePointer) -> [String: Int] {
        let prepares = sqlite3_stmt_status(statement, SQLITE_STMTSTATUS_REPREPARE, 0)
        if let known = columnIndexes[statement], known.prepares == prepares { return known.index }
        var index: [String: Int] = [:]
        for column in 0..<sqlite3_column_count(statement) {
            let name = String(cString: sqlite3_column_name(statement, column))
            if index[name] == nil { index[name] = Int(column) }
        }
        columnIndexes[statement] = (prepares, index)
        return index
    }

    private func bind(_ value: SQLiteValue, at position: Int32, in statement: OpaquePointer) throws {
        let result: Int32
        switch value {
        case .null:
            result = sqlite3_bind_null(statement, position)
        case .integer(let integer):
            result = sqlite3_bind_int64(statement, position, integer)
        case .real(let real):
            result = sqlite3_bind_double(statement, position, real)
        case .text(let text):
            result = sqlite3_bind_text(statement, position, text, -1, kvfs_sqlite_transient())
        case .blob(let data):
            result = data.withUnsafeBytes { bytes in
                // A zero-length blob still binds as a blob, not as NULL.
                sqlite3_bind_blob64(statement, position, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                                    sqlite3_uint64(bytes.count), kvfs_sqlite_transient())
            }
        }
        try check(result)
    }

    private func value(at column: Int32, in statement: OpaquePointer) -> SQLiteValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard let bytes = sqlite3_column_text(statement, column) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let bytes = sqlite3_column_blob(statement, column) else { return .blob(Data()) }
            return .blob(Data(bytes: bytes, count: count))
        default:
            return .null
        }
    }

    private func check(_ result: Int32) throws {
        guard result != SQLITE_OK && result != SQLITE_ROW && result != SQLITE_DONE else { return }
        throw SQLiteError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)))
    }
}
