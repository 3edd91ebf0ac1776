import Foundation

/// Reading and verifying the audit log: a management-plane right of the store's Owner.
public struct AuditService: Sendable {
    let context: EngineContext

    /// Audit lines in order, optionally only those about `vault` and at or after `since`.
    /// Reading the audit log is a management-plane right of the store's Owner.
    /// - Throws: `VaultError.accessDenied` for anyone else.
    public func records(vault: String? = nil, since: Date? = nil, as caller: Caller) throws -> [String] {
        guard context.isOwner(caller) else {
            throw VaultError(.managementDenied, "Only the store's owner may read the audit log.")
        }
        let sinceText = since.map(AuditChain.timestamp)
        try context.auditQueue.flush()
        return try context.backend.read { tx in
            var lines: [String] = []
            var after: Int64 = 0
            let decoder = JSONDecoder()
            while true {
                let rows = try tx.auditRows(afterSeq: after, limit: 1000)
                if rows.isEmpty { break }
                for row in rows {
                    after = row.seq
                    if vault != nil || sinceText != nil {
                        guard let record = try? decoder.decode(AuditRecord.self, from: Data(row.line.utf8)) else { continue }
                        if let vault, record.vault.map(Names.key) != Names.key(vault) { continue }
                        if let sinceText, record.time < sinceText { continue }
                    }
                    lines.append(row.line)
                }
            }
            return lines
        }
    }

    /// Checks the whole audit chain: every line's MAC, its order and the recorded end of the log.
    /// - Throws: `VaultError.accessDenied` for anyone but the Owner; store errors.
    public func verify(as caller: Caller) throws -> AuditVerification {
        guard context.isOwner(caller) else {
            throw VaultError(.managementDenied, "Only the store's owner may verify the audit log.")
        }
        try context.auditQueue.flush()
        return try AuditChain.verify(key: context.auditKey, backend: context.backend)
    }
}
