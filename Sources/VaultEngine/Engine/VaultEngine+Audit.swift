import Foundation

extension VaultEngine {
    /// Runs one operation under audit. The body fills in what it learns (decision, version) on the draft.
    /// A changing body writes its success line inside its own transaction with `commitAudit(_:in:)`, so the
    /// change and its record land together; every other line (reads, denials, failures) goes through the
    /// batching `AuditQueue`. Errors are rethrown as `VaultError`.
    func audited<T>(_ operation: String, _ caller: Caller, vault: String? = nil, kind: ObjectKind? = nil,
                    object: String? = nil, version: String? = nil, _ body: (AuditDraft) throws -> T) throws -> T {
        let draft = AuditDraft(operation: operation, caller: caller, vault: vault, kind: kind, object: object, version: version)
        do {
            let result = try body(draft)
            if !draft.committed { auditQueue.enqueue(record(draft, error: nil)) }
            return result
        } catch {
            let vaultError = error as? VaultError ?? VaultError(.storeFailure, "The operation failed.", cause: error)
            auditQueue.enqueue(record(draft, error: vaultError))
            throw vaultError
        }
    }

    /// Writes the success line of `draft` inside the operation's transaction, after any queued lines.
    func commitAudit(_ draft: AuditDraft, in tx: any StoreTransaction) throws {
        try auditQueue.drain(in: tx)
        try AuditChain.append(record(draft, error: nil), key: auditKey, in: tx)
        draft.committed = true
    }

    private func record(_ draft: AuditDraft, error: VaultError?) -> AuditRecord {
        var assignment: RoleAssignment?
        var reason: String?
        switch draft.decision {
        case .allow(let a): assignment = a
        case .deny(let why): reason = why
        case nil: break
        }
        if let note = draft.note { reason = note }
        if let error, error.code != .accessDenied || reason == nil { reason = error.message }
        if error == nil, draft.decision == nil, reason == nil, isOwner(draft.caller) {
            reason = "allowed as the store's Owner (uid \(ownerUID))"
        }
        return AuditRecord(
            seq: 0, time: AuditChain.timestamp(clock.now()), operationName: draft.operation,
            resultType: error == nil ? "Success" : "Failure", resultSignature: error?.azureCode,
            resultDescription: reason, vault: draft.vault, collection: draft.kind?.collection, object: draft.object,
            version: draft.version, algorithm: draft.algorithm, caller: AuditCaller(draft.caller),
            principal: assignment?.principal, appliedAssignmentId: assignment?.id, role: assignment?.role.name, prev: "")
    }

    /// Audit lines in order, optionally only those about `vault` and at or after `since`.
    /// Reading the audit log is a management-plane right of the store's Owner.
    /// - Throws: `VaultError.accessDenied` for anyone else.
    public func auditRecords(vault: String? = nil, since: Date? = nil, as caller: Caller) throws -> [String] {
        guard isOwner(caller) else {
            throw VaultError(.accessDenied, "Only the store's owner may read the audit log.")
        }
        let sinceText = since.map(AuditChain.timestamp)
        try auditQueue.flush()
        return try backend.read { tx in
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
    public func verifyAudit(as caller: Caller) throws -> AuditVerification {
        guard isOwner(caller) else {
            throw VaultError(.accessDenied, "Only the store's owner may verify the audit log.")
        }
        try auditQueue.flush()
        return try AuditChain.verify(key: auditKey, backend: backend)
    }
}
