import Foundation

/// Reading, verifying and pruning the audit log. The store's Owner reads and verifies all of it; so does a
/// holder of kvfs's Key Vault Audit Reader at the store scope `/`, and one at a vault scope reads that vault's
/// lines (docs/security-model.md, "Audit readers"). Pruning is the Owner's alone.
public struct AuditService: Sendable {
    let context: EngineContext

    /// Audit lines in order, optionally only those about `vault`, at or after `since` and at or before `until`
    /// (read from text by `DateRules`).
    /// - Throws: `VaultError.managementDenied` for a caller who is neither the Owner nor an audit reader;
    ///   `.invalidArgument` when `until` is before `since`.
    public func records(vault: String? = nil, since: Date? = nil, until: Date? = nil, as caller: Caller) throws -> [String] {
        try records(matching: AuditFilter(vault: vault, since: since, until: until), as: caller)
    }

    /// The audit lines `filter` selects, in order, among those the caller may read: all of them for the Owner
    /// and a store-scope Key Vault Audit Reader, the lines about its vaults for a vault-scope one. Reads by
    /// anyone but the Owner are themselves audited (`AuditLogRead`); the Owner can read the store's files anyway.
    /// - Throws: `VaultError.managementDenied` for a caller who holds no Key Vault Audit Reader assignment.
    public func records(matching filter: AuditFilter, as caller: Caller) throws -> [String] {
        if let since = filter.since, let until = filter.until, until < since {
            throw VaultError.invalid("The end of the audit window (\(AuditChain.timestamp(until))) is before its start (\(AuditChain.timestamp(since))).")
        }
        try context.auditQueue.flush()
        if context.isOwner(caller) {
            return try context.backend.read { tx in try lines(matching: filter, visible: nil, in: tx) }
        }
        return try context.runOnStore(.auditRead, caller, vault: filter.vault) { step in
            let visible = try readableVaults(step)
            return try lines(matching: filter, visible: visible, in: step.tx)
        }
    }

    /// Whether the caller may read some audit lines (the Owner, or a holder of the Key Vault Audit Reader at any
    /// scope), for front-ends that show rights (a control file's mode bits). Writes no audit line: the reads
    /// themselves are decided and audited.
    /// - Throws: store errors.
    public func mayRead(as caller: Caller) throws -> Bool {
        if context.isOwner(caller) { return true }
        return try context.backend.read { tx in try context.assignments(for: caller, in: tx).contains { $0.role.readsAudit } }
    }

    /// The vaults whose lines the caller may read (`nil`: every line), deciding and recording the decision.
    private func readableVaults(_ step: StoreStep) throws -> Set<String>? {
        let held = try context.assignments(for: step.draft.caller, in: step.tx).filter(\.role.readsAudit)
        if let store = held.first(where: { $0.scope.isStore }) {
            step.draft.decision = .allow(store)
            return nil
        }
        guard let first = held.first else {
            step.draft.decision = .deny("the caller is neither the store's owner nor a Key Vault Audit Reader")
            throw VaultError(.managementDenied, "Caller \(step.draft.caller) may not read the audit log: that needs the store's owner or the role '\(BuiltInRole.auditReader.name)'.")
        }
        if let vault = step.draft.vault, !held.contains(where: { $0.scope.vaultKey == Names.key(vault) }) {
            step.draft.decision = .deny("the caller's Key Vault Audit Reader assignments do not cover vault \(Names.printable(vault))")
            throw VaultError(.managementDenied, "Caller \(step.draft.caller) may not read the audit lines of vault '\(Names.printable(vault))'.")
        }
        step.draft.decision = .allow(first)
        return Set(held.map(\.scope.vaultKey))
    }

    private func lines(matching filter: AuditFilter, visible: Set<String>?, in tx: any StoreTransaction) throws -> [String] {
        let sinceText = filter.since.map(AuditChain.timestamp)
        let untilText = filter.until.map(AuditChain.timestamp)
        let decode = !filter.isEmpty || visible != nil
        var lines: [String] = []
        var after: Int64 = 0
        let decoder = JSONDecoder()
        while true {
            let rows = try tx.auditRows(afterSeq: after, limit: 1000)
            if rows.isEmpty { break }
            for row in rows {
                after = row.seq
                if decode {
                    guard let record = try? decoder.decode(AuditRecord.self, from: Data(row.line.utf8)) else { continue }
                    if let visible, !(record.vault.map { visible.contains(Names.key($0)) } ?? false) { continue }
                    guard filter.matches(record, sinceText: sinceText, untilText: untilText) else { continue }
                }
                lines.append(row.line)
            }
        }
        return lines
    }

    /// The window within which identical audit lines of one caller are folded into one line with a count
    /// (`AuditRecord.count`; docs/security-model.md): 1 s unless set; 0 writes one line per request. Lines are
    /// also written as soon as the processes they name have exited, before any change's line, and when the log
    /// is read or the engine released.
    public var aggregationWindow: TimeInterval {
        get { context.auditQueue.window }
        nonmutating set { context.auditQueue.window = newValue }
    }

    /// Checks the whole audit chain: every line's MAC, its order and the recorded end of the log (from the line
    /// after the signed prune checkpoint, when the log was pruned).
    ///
    /// A line chains to the line before it whatever vault that one is about, so no vault's lines can be checked
    /// alone: the whole chain is always walked. A vault-scope Key Vault Audit Reader is told whether it holds,
    /// how many of its vaults' lines there are, and nothing about other vaults (not where a break is, nor how
    /// many lines the store has); the Owner and a store-scope reader get the full report.
    /// - Throws: `VaultError.managementDenied` for a caller who is neither the Owner nor an audit reader; store errors.
    public func verify(as caller: Caller) throws -> AuditVerification {
        try context.auditQueue.flush()
        let own = try context.checkpointSigner().publicKey
        let whole = { try AuditChain.verify(key: context.auditKey, backend: context.backend, checkpointKey: own, realm: context.realm) }
        if context.isOwner(caller) { return try whole() }
        let visible = try context.runOnStore(.auditVerify, caller) { step in try readableVaults(step) }
        guard let visible else { return try whole() }
        let result = try whole()
        let count = try context.backend.read { tx in
            try lines(matching: AuditFilter(), visible: visible, in: tx).reduce(Int64(0)) { total, _ in total + 1 }
        }
        return AuditVerification(lines: count,
                                 problem: result.problem.map { _ in "the chain is broken (the store's owner or a store-scope audit reader can see where)" },
                                 firstLine: 1, pruned: result.pruned, vaults: visible.sorted())
    }

    /// Removes the audit lines older than `before`, once a signed checkpoint of the last of them is made and
    /// kept in the store, so the chain stays verifiable: `verify` then starts after that line and reports the
    /// pruned range. The newest line is always kept (the chain's end stays in the log). Owner only; audited
    /// as `AuditLogPrune`, in the same transaction as the removal.
    /// - Returns: what is now pruned, or `nil` when no line is older than `before`.
    /// - Throws: `VaultError.managementDenied` for anyone but the Owner; `.corrupted` when the log does not verify
    ///   up to the cut (nothing is removed); store errors.
    @discardableResult
    public func prune(before: Date, as caller: Caller) throws -> AuditPruning? {
        try context.auditQueue.flush()
        let cutText = AuditChain.timestamp(before)
        let signer = try context.checkpointSigner()
        return try context.runOnStore(.auditPrune, caller) { step -> AuditPruning? in
            let tx = step.tx
            var pruned: AuditPruning?
            switch try AuditChain.pruning(in: tx, checkpointKey: signer.publicKey, realm: context.realm) {
            case .bad(let problem): throw VaultError(.corrupted, "The audit log is not intact: \(problem.problem ?? "its pruned record is bad"); nothing was pruned.")
            case .pruned(let found): pruned = found
            case .none: break
            }
            guard let newest = try tx.lastAudit() else { return pruned }
            // The last line older than the cut, never the newest one.
            var cut: AuditRow?
            var after = pruned?.throughLine ?? 0
            let decoder = JSONDecoder()
            scan: while true {
                let rows = try tx.auditRows(afterSeq: after, limit: 1000)
                if rows.isEmpty { break }
                for row in rows {
                    after = row.seq
                    guard row.seq < newest.seq, let (body, _) = AuditChain.split(row.line),
                          let record = try? decoder.decode(AuditRecord.self, from: Data(body.utf8)), record.time < cutText else { break scan }
                    cut = row
                }
            }
            guard let cut else { return pruned }
            let checkpoint: AuditCheckpoint
            do {
                checkpoint = try AuditCheckpoint.make(realm: context.realm, seq: cut.seq, mac: cut.mac, time: context.clock.now(), signer: signer)
            } catch {
                throw VaultError(.cryptoFailure, "Cannot sign the audit checkpoint at the cut; nothing was pruned.", cause: error)
            }
            try tx.setMeta(AuditChain.baseKey, checkpoint.line)
            try tx.setMeta(AuditChain.baseBeforeKey, cutText)
            try tx.removeAudit(throughSeq: cut.seq)
            step.draft.note = "pruned lines \((pruned?.throughLine ?? 0) + 1)-\(cut.seq) older than \(cutText) behind a signed checkpoint"
            return AuditPruning(throughLine: cut.seq, before: cutText, checkpoint: checkpoint)
        }
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
        return try AuditChain.verify(key: context.auditKey, backend: context.backend, against: checkpoints,
                                     full: full || checkpoints.isEmpty, checkpointKey: own, realm: context.realm)
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
