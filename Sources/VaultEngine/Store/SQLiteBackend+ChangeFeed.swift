import GRDB

extension SQLiteBackend {
    /// Brings a format-1 store to format 2 inside a write transaction that is about to change it: the change
    /// feed's table and triggers, then `meta.format` = 2. Opening a store never writes, so an old store is
    /// migrated by its first write, whichever kvfs process makes it; a kvfs that knows only format 1 then
    /// refuses the store with a clear message instead of writing without a feed.
    static func migrate(_ db: Database) throws {
        let format = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format'")
        guard format == "1" else { return }
        try db.execute(sql: Schema.changeFeed)
        try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'format'", arguments: [String(Schema.formatVersion)])
    }

    func changeListener() throws -> any StoreChangeListener {
        try SignalFileListener(path: signal.path)
    }
}
