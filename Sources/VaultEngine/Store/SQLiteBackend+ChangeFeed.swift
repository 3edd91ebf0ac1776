import Foundation

extension SQLiteBackend {
    /// Brings a format-1 store to format 2 inside a write transaction that is about to change it: the change
    /// feed's table and triggers, then `meta.format` = 2. Opening a store never writes, so an old store is
    /// migrated by its first write, whichever kvfs process makes it; a kvfs that knows only format 1 then
    /// refuses the store with a clear message instead of writing without a feed.
    static func migrate(_ db: SQLiteConnection) throws {
        let format = try db.row("SELECT value FROM meta WHERE key = 'format'").flatMap { $0["value"] }.flatMap(String.init(sqliteValue:))
        guard format == "1" else { return }
        try db.execute(Schema.changeFeed)
        try db.run("UPDATE meta SET value = ? WHERE key = 'format'", [String(Schema.formatVersion)])
    }

    func changeListener() throws -> any StoreChangeListener {
        try SignalFileListener(path: signal.path)
    }
}
