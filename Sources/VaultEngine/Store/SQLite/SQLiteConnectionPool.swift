import Foundation

/// The connections to one WAL-mode database: one writer, used by one thread at a time, and up to
/// `maximumReaders` readers that read in parallel, each in its own snapshot.
final class SQLiteConnectionPool: @unchecked Sendable {
    let path: String
    private let maximumReaders: Int
    private let configure: (SQLiteConnection) throws -> Void

    private let writerLock = NSLock()
    private let writer: SQLiteConnection

    private let readersCondition = NSCondition()
    private var idleReaders: [SQLiteConnection] = []
    private var openReaders = 0

    /// Opens the writer now (the file must exist) and readers on demand. `configure` runs once on every
    /// new connection.
    init(path: String, maximumReaders: Int = 5, configure: @escaping (SQLiteConnection) throws -> Void) throws {
        self.path = path
        self.maximumReaders = maximumReaders
        self.configure = configure
        writer = try SQLiteConnection(path: path)
        try configure(writer)
        // WAL lets readers in this and other processes read while one writer writes. It is a property of
        // the file: asking for it again on a WAL database changes nothing.
        try writer.execute("PRAGMA journal_mode = WAL")
    }

    /// Runs `body` in a read transaction: every statement sees one snapshot of the database.
    func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        let connection = try checkOutReader()
        defer { checkIn(connection) }
        return try transaction(on: connection, begin: "BEGIN DEFERRED", body)
    }

    /// Runs `body` in a write transaction, taking the write lock at its start; commits when `body`
    /// returns and rolls back when it throws.
    func write<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        writerLock.lock()
        defer { writerLock.unlock() }
        return try transaction(on: writer, begin: "BEGIN IMMEDIATE", body)
    }

    private func transaction<T>(on connection: SQLiteConnection, begin: String, _ body: (SQLiteConnection) throws -> T) throws -> T {
        try connection.execute(begin)
        do {
            let result = try body(connection)
            try connection.execute("COMMIT")
            return result
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    private func checkOutReader() throws -> SQLiteConnection {
        readersCondition.lock()
        defer { readersCondition.unlock() }
        while idleReaders.isEmpty && openReaders >= maximumReaders {
            readersCondition.wait()
        }
        if let idle = idleReaders.popLast() { return idle }
        openReaders += 1
        do {
            let connection = try SQLiteConnection(path: path)
            try configure(connection)
            // Readers never write, whatever a caller's statement says.
            try connection.execute("PRAGMA query_only = ON")
            return connection
        } catch {
            openReaders -= 1
            readersCondition.signal()
            throw error
        }
    }

    private func checkIn(_ connection: SQLiteConnection) {
        readersCondition.lock()
        idleReaders.append(connection)
        readersCondition.signal()
        readersCondition.unlock()
    }
}
