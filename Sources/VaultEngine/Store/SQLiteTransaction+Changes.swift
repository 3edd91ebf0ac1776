import Foundation

extension SQLiteTransaction {
    func changes(afterSeq: Int64, limit: Int) throws -> StoreChangePage {
        guard try db.tableExists(Schema.changeFeedTable) else {
            return StoreChangePage(changes: [], latest: 0, gap: false, hasMore: false)
        }
        let bounds = try db.row("SELECT MIN(seq) AS oldest, MAX(seq) AS latest FROM changes").map { StoredRow($0, "change feed") }
        let oldest: Int64? = try bounds?.optional("oldest")
        let latest: Int64 = try bounds?.optional("latest") ?? 0
        let rows = try db.rows("SELECT seq, vault, kind, name FROM changes WHERE seq > ? ORDER BY seq LIMIT ?", [afterSeq, limit + 1])
        let changes = try rows.prefix(limit).map { row in
            let r = StoredRow(row, "change")
            let kind: String? = try r.optional("kind")
            let name: String? = try r.optional("name")
            // A kind this engine does not know (a later format's) reads as a change of the whole vault.
            let known = kind.flatMap(ObjectKind.init(rawValue:))
            return StoreChange(sequence: try r("seq"), vault: try r("vault"), kind: known, name: known == nil ? nil : name)
        }
        // Rows between `afterSeq` and the oldest kept were pruned: the reader missed changes.
        let gap = oldest.map { afterSeq + 1 < $0 && afterSeq < latest } ?? false
        return StoreChangePage(changes: changes, latest: latest, gap: gap, hasMore: rows.count > limit)
    }
}
