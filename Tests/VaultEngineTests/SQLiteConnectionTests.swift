import Foundation
import Testing
@testable import VaultEngine

/// The thin SQLite layer under the store.
@Suite("SQLite connection")
struct SQLiteConnectionTests {
    /// A compiled `SELECT *` answers with the table's columns as they are now, after another connection (a
    /// migration in another process) changed the table.
    @Test func aCompiledStatementSeesColumnsAddedByAnotherConnection() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvfs-sqlite-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/t.db"
        let reader = try SQLiteConnection(path: path, create: true)
        try reader.execute("CREATE TABLE t (a INTEGER); INSERT INTO t(a) VALUES (1)")
        #expect(try reader.rows("SELECT * FROM t").first?["b"] == nil)
        let migrator = try SQLiteConnection(path: path)
        try migrator.execute("ALTER TABLE t ADD COLUMN b TEXT; UPDATE t SET b = 'new'")
        let row = try #require(try reader.rows("SELECT * FROM t").first)
        #expect(row["a"] == .integer(1))
        #expect(row["b"] == .text("new"))
    }

    /// Columns are read strictly: text is not a number, a number is not text.
    @Test func columnsDecodeStrictly() {
        #expect(Double(sqliteValue: .text("garbage")) == nil)
        #expect(Bool(sqliteValue: .text("maybe")) == nil)
        #expect(String(sqliteValue: .integer(1)) == nil)
        #expect(Int64(sqliteValue: .real(1.5)) == nil)
        #expect(Int64(sqliteValue: .real(2)) == 2)
    }
}
