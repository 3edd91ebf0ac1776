import Foundation

/// Reading and verifying the audit log: a management-plane right of the store's Owner.
public struct AuditService: Sendable {
    let context: EngineContext

    /// Audit lines in order, optionally only those about `vault`, at or after `since` and at or before `until`
    /// (read from text by `DateRules`). Reading the audit log is a management-plane right of the store's Owner.
    /// - Throws: `VaultError.accessDenied` for anyone else; `.invalidArgument` when `until` is before `since`.
    public func records(vault: String? = nil, since: Date? = nil, until: Date? = nil, as caller: Caller) throws -> [String] {
        guard context.isOwner(caller) else {
            throw VaultError(.managementDenied, "Only the store's owner may read the audit log.")
        }
        if let since, let until, until < since {
            throw VaultError.invalid("The end of the audit window (\(AuditChain.timestamp(until))) is before its start (\(AuditChain.timestamp(since))).")
        }
        let sinceText = since.map(AuditChain.timestamp)
        let untilText = until.map(AuditChain.timestamp)
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
                    if vault != nil || sinceText != nil || untilText != nil {
                        guard let record = try? decoder.decode(AuditRecord.self, from: Data(row.line.utf8)) else { continue }
                        if let vault, record.vault.map(Names.key) != Names.key(vault) { continue }
                        if let sinceText, record.time < sinceText { continue }
                        if let untilText, record.time > untilText { continue }
                    }
                    lines.append(row.line)
                }
            }
            return lines
        }
    }

    /// The window within which identical audit lines of one caller are folded into one line with a count
    /// (`AuditRecord.count`; docs/security-model.md): 1 s unless set; 0 writes one line per request. Lines are
    /// also written as soon as the processes they name have exited, before any change's line, and when the log
    /// is read or the engine released.
    public var aggregationWindow: TimeInterval {
        get { context.auditQueue.window }
        nonmutating set { context.auditQueue.window = newValue }
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

    /// The public key that signs this store's audit checkpoints, for the auditor to pin outside the store
    /// (`kvfs audit checkpoint-key`). Only the Owner's process can compute it (it derives from the master key).
    /// - Throws: `VaultError.managementDenied` for anyone but the Owner; `.cryptoFailure`.
    public func checkpointKey(as caller: Caller) throws -> Ed25519PublicKey {
        guard context.isOwner(caller) else {
            throw VaultError(.managementDenied, "Only the store's owner may read the audit checkpoint key.")
        }
        return try context.checkpointSigner().publicKey
    }

    /// A signed checkpoint of the log's end as it is now (queued lines written first).
    /// - Throws: `VaultError.managementDenied` for anyone but the Owner; store errors.
    public func checkpoint(as caller: Caller) throws -> AuditCheckpoint {
        guard context.isOwner(caller) else {
            throw VaultError(.managementDenied, "Only the store's owner may make an audit checkpoint.")
        }
        try context.auditQueue.flush()
        return try context.makeCheckpoint()
    }

    /// Checks the audit log against checkpoints an auditor kept: each must be this store's and signed by
    /// `publicKey` (the key the auditor pinned; without it, this store's own key, which proves less: see
    /// docs/security-model.md); the log must still reach each checkpoint's line with the checkpoint's MAC; and
    /// the chain from the newest checkpoint (every line when `full`) to the end must be intact.
    /// - Throws: `VaultError.managementDenied` for anyone but the Owner; store errors.
    public func verify(against checkpoints: [AuditCheckpoint], publicKey: Ed25519PublicKey? = nil, full: Bool = false,
                       as caller: Caller) throws -> AuditVerification {
        guard context.isOwner(caller) else {
            throw VaultError(.managementDenied, "Only the store's owner may verify the audit log.")
        }
        try context.auditQueue.flush()
        let own = try context.checkpointSigner().publicKey
        let key = publicKey ?? own
        for (index, checkpoint) in checkpoints.enumerated() {
            guard checkpoint.realm == context.realm else {
                return AuditVerification(lines: 0, problem: "checkpoint \(index + 1) (\(checkpoint.time)) is of realm \(checkpoint.realm), but this store is realm \(context.realm): it was made by another store, or this store was replaced", checkpoints: checkpoints.count)
            }
            guard checkpoint.isSigned(by: key) else {
                return AuditVerification(lines: 0, problem: "checkpoint \(index + 1) (\(checkpoint.time)) is not signed by \(publicKey == nil ? "this store's checkpoint key" : "the pinned key") \(key.fingerprint)", checkpoints: checkpoints.count)
            }
        }
        if let publicKey, publicKey != own {
            return AuditVerification(lines: 0, problem: "this store's checkpoint key is \(own.fingerprint), not the pinned \(publicKey.fingerprint): the store was replaced by another one, or its master key changed", checkpoints: checkpoints.count)
        }
        return try AuditChain.verify(key: context.auditKey, backend: context.backend, against: checkpoints, full: full || checkpoints.isEmpty)
    }
}

extension EngineContext {
    /// The store's checkpoint signing key (derived from the master key on each use; see `AuditCheckpoint`).
    func checkpointSigner() throws -> Ed25519SigningKey {
        do { return try AuditCheckpoint.signingKey(masterKey: masterKey, realm: realm) } catch {
            throw VaultError(.cryptoFailure, "Cannot make the audit checkpoint key.", cause: error)
        }
    }

    /// A signed checkpoint of the last line written to the store.
    func makeCheckpoint() throws -> AuditCheckpoint {
        let last = try backend.read { tx in try tx.lastAudit() }
        do {
            return try AuditCheckpoint.make(realm: realm, seq: last?.seq ?? 0, mac: last?.mac ?? AuditChain.genesis,
                                            time: clock.now(), signer: try checkpointSigner())
        } catch let error as VaultError { throw error } catch {
            throw VaultError(.cryptoFailure, "Cannot sign an audit checkpoint.", cause: error)
        }
    }
}
