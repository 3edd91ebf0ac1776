import Foundation

extension EngineContext {
    /// Runs one operation under audit. The body fills in what it learns (decision, version) on the draft.
    /// A changing body writes its success line inside its own transaction with `commitAudit(_:in:)`, so the
    /// change and its record land together; every other line (reads, denials, failures) goes through the
    /// batching `AuditQueue`. Errors are rethrown as `VaultError`.
    /// `quietOnSuccess` is for a check that precedes an operation (opening a file for writing): its refusal is
    /// a line, its allowance is not, since the operation it allows writes its own.
    func audited<T>(_ operation: String, _ caller: Caller, vault: String? = nil, kind: ObjectKind? = nil,
                    object: String? = nil, version: String? = nil, quietOnSuccess: Bool = false,
                    _ body: (AuditDraft) throws -> T) throws -> T {
        let draft = AuditDraft(operation: operation, caller: caller, vault: vault, kind: kind, object: object, version: version)
        do {
            let result = try body(draft)
            if !draft.committed && !quietOnSuccess { auditQueue.enqueue(record(draft, error: nil)) }
            return result
        } catch {
            let vaultError = error as? VaultError ?? VaultError(.storeFailure, "The operation failed.", cause: error)
            if vaultError.code == .corrupted {
                // One integrity path: every damaged row or value the store gives back is logged here, once.
                logger.warning("integrity check failed", metadata: ["operation": "\(operation)", "problem": "\(vaultError.message)"])
            }
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
}
