import Foundation

/// One engine operation, declared once in `Operations.swift`: Azure's operationName, the right it needs, what
/// it works on and how it touches the store. Every public engine call runs through the pipeline below, which
/// audits, opens the transaction, decides, loads the rows and maps errors, in that order, the same way for
/// every front-end (docs/architecture.md).
struct Operation: Sendable {
    /// The right an operation needs.
    enum Right: Sendable {
        /// Any one of these data actions on the target (the first is the operation's own; the public-key
        /// operations also accept `keys/read`).
        case data([DataAction])
        /// The store's Owner (management plane); the text says what, for the refusal's message.
        case owner(String)
        /// Decided inside the body from what it reads, and recorded on the draft (vault reads by members, role
        /// assignment changes by a Data Access Administrator, listings that show each caller its own part).
        case decidedByBody
    }

    /// What the operation works on; loaded by the pipeline after the decision, so a caller without the right
    /// learns nothing about what exists.
    enum Target: Sendable {
        /// The store as a whole (principals, the audit log, the vault list).
        case store
        /// A live vault, or a vault's collection (listing, restoring).
        case vault
        /// An object that may not exist yet (a new version, a creation, an import): a new name needs a
        /// vault-scope grant, a soft-deleted name is refused, and so is an object a certificate manages.
        case newVersion
        /// A live object and one of its versions (the current one unless the call names another).
        case liveObject
        /// A soft-deleted object within its retention.
        case deletedObject
    }

    /// Azure's operationName, as the audit line records it.
    let name: String
    let kind: ObjectKind?
    let right: Right
    let target: Target
    /// Runs in a write transaction and writes its success line inside it.
    var writes = false
    /// Reads through the read cache (the hot paths: reading a value, using a key).
    var cached = false
    /// Changes principals, role assignments or vaults: every engine on the store re-reads the access tables.
    var changesAccess = false
    /// Purges what outlived its retention first, so an expired deleted name is free again.
    var purgesDue = false
    /// Records the version it touched on the audit line.
    var recordsVersion = false
    /// The verb a managed object refuses ("set", "replaced", "rotated"…), for `.newVersion` and object writes.
    var managedVerb: String?
}

/// What an operation on the store sees inside its transaction.
struct StoreStep {
    let tx: any StoreTransaction
    let draft: AuditDraft
}

/// What an operation on a vault (or one of its collections) sees.
struct VaultStep {
    let tx: any StoreTransaction
    let draft: AuditDraft
    let vault: VaultRecord
}

/// What an operation on an existing object sees: the vault, the object and the version it names.
struct ObjectStep {
    let tx: any StoreTransaction
    let draft: AuditDraft
    let vault: VaultRecord
    let object: ObjectRecord
    let record: VersionRecord
}

/// What an operation that writes a new version sees: the vault and the object row, if the name is taken.
struct NewVersionStep {
    let tx: any StoreTransaction
    let draft: AuditDraft
    let vault: VaultRecord
    let existing: ObjectRecord?
}

extension EngineContext {
    // Each `run` takes `checking`: input checks that need no store (names, sizes, request shapes), run under
    // audit before any transaction opens, so malformed input is refused and recorded without touching rows.

    /// Runs `op` on the store as a whole (`vault` only names the vault for the audit line).
    func runOnStore<T>(_ op: Operation, _ caller: Caller, vault: String? = nil, checking: () throws -> Void = {},
                       _ body: (StoreStep) throws -> T) throws -> T {
        try pipeline(op, caller, vault: vault, name: nil, version: nil, checking: checking) { tx, draft in
            try decide(op, draft, on: nil, in: tx)
            return try body(StoreStep(tx: tx, draft: draft))
        }
    }

    /// Runs `op` on the live vault `vault` (for a data operation: on its collection of `op.kind`).
    func run<T>(_ op: Operation, _ caller: Caller, vault: String, checking: () throws -> Void = {},
                _ body: (VaultStep) throws -> T) throws -> T {
        try pipeline(op, caller, vault: vault, name: nil, version: nil, checking: checking) { tx, draft in
            try decide(op, draft, on: op.kind.map { Resource(vault: vault, kind: $0) }, in: tx)
            return try body(VaultStep(tx: tx, draft: draft, vault: try liveVault(vault, in: tx)))
        }
    }

    /// Runs `op` on the object `name` of `op.kind` (live, or soft-deleted for a `.deletedObject` target) and
    /// on `version` of it (its current version when nil).
    func run<T>(_ op: Operation, _ caller: Caller, vault: String, name: String, version: String? = nil,
                checking: () throws -> Void = {}, _ body: (ObjectStep) throws -> T) throws -> T {
        try pipeline(op, caller, vault: vault, name: name, version: version, checking: checking) { tx, draft in
            try body(try objectStep(op, draft, vault: vault, name: name, version: version, in: tx))
        }
    }

    /// Runs `op`, which writes a new version of `name` (creating the object if the name is new).
    func runNewVersion<T>(_ op: Operation, _ caller: Caller, vault: String, name: String, checking: () throws -> Void = {},
                          _ body: (NewVersionStep) throws -> T) throws -> T {
        try pipeline(op, caller, vault: vault, name: name, version: nil, checking: checking) { tx, draft in
            try body(try newVersionStep(op, draft, vault: vault, name: name, in: tx))
        }
    }

    /// `runNewVersion` with slow work between a first check and the write: the checks run in a read
    /// transaction where `reading` takes what the work needs, `making` runs outside any transaction (a denied
    /// caller costs nothing, and no connection is held while a key is generated), and the checks run again
    /// inside the write, where `body` stores what was made. One audit line.
    func runNewVersion<R, P, T>(_ op: Operation, _ caller: Caller, vault: String, name: String, checking: () throws -> Void = {},
                                reading: (NewVersionStep) throws -> R, making: (R) throws -> P,
                                _ body: (NewVersionStep, P) throws -> T) throws -> T {
        try withSlowWork(op, caller, vault: vault, name: name, checking: checking,
                         step: { tx, draft in try newVersionStep(op, draft, vault: vault, name: name, in: tx) },
                         reading: reading, making: making, body)
    }

    /// `run` on an object with slow work between a read and the write (issuing a certificate), in the shape of
    /// `runNewVersion(_:_:vault:name:checking:reading:making:_:)`: the object is looked up and decided again
    /// inside the write. One audit line.
    func run<R, P, T>(_ op: Operation, _ caller: Caller, vault: String, name: String, reading: (ObjectStep) throws -> R,
                      making: (R) throws -> P, _ body: (ObjectStep, P) throws -> T) throws -> T {
        try withSlowWork(op, caller, vault: vault, name: name, checking: {},
                         step: { tx, draft in try objectStep(op, draft, vault: vault, name: name, version: nil, in: tx) },
                         reading: reading, making: making, body)
    }

    private func withSlowWork<S, R, P, T>(_ op: Operation, _ caller: Caller, vault: String, name: String,
                                          checking: () throws -> Void, step: (any StoreTransaction, AuditDraft) throws -> S,
                                          reading: (S) throws -> R, making: (R) throws -> P,
                                          _ body: (S, P) throws -> T) throws -> T {
        try audited(op.name, caller, vault: vault, kind: op.kind, object: name, version: nil) { draft in
            try refuseNonOwner(op, caller)
            try checking()
            let read = try backend.read { tx in try reading(try step(tx, draft)) }
            let made = try making(read)
            return try writeTransaction(op, draft) { tx in try body(try step(tx, draft), made) }
        }
    }

    /// A management operation of anyone but the store's Owner is refused before anything else.
    private func refuseNonOwner(_ op: Operation, _ caller: Caller) throws {
        if case .owner(let what) = op.right { try requireOwner(caller, what) }
    }

    /// Decides `op` for a new version of `name` and runs `body` on what it found, in a read transaction, without
    /// doing the operation: for front-ends that must know before they start (a file opened for writing stores
    /// its version at close). A refusal is audited under `op`'s name; an allowance writes no line.
    func precheckNewVersion<T>(_ op: Operation, _ caller: Caller, vault: String, name: String,
                               _ body: (NewVersionStep) throws -> T) throws -> T {
        try audited(op.name, caller, vault: vault, kind: op.kind, object: name, quietOnSuccess: true) { draft in
            try backend.read { tx in try body(try newVersionStep(op, draft, vault: vault, name: name, in: tx)) }
        }
    }

    /// Decides `op` on the object `name` without doing it, as `precheckNewVersion` does for new versions.
    func precheckObject(_ op: Operation, _ caller: Caller, vault: String, name: String) throws {
        try audited(op.name, caller, vault: vault, kind: op.kind, object: name, quietOnSuccess: true) { draft in
            _ = try backend.read { tx in try objectStep(op, draft, vault: vault, name: name, version: nil, in: tx) }
        }
    }

    /// The rows an object operation works on, after the decision: the live vault, the object (live, or
    /// soft-deleted for a `.deletedObject` target), refused when managed and `op` changes it, and the version.
    func objectStep(_ op: Operation, _ draft: AuditDraft, vault: String, name: String, version: String?,
                    in tx: any StoreTransaction) throws -> ObjectStep {
        let kind = try op.requireKind()
        try decide(op, draft, on: Resource(vault: vault, kind: kind, name: name), in: tx)
        let v = try liveVault(vault, in: tx)
        let object = op.target == .deletedObject ? try deletedRecord(kind, name, in: v, tx: tx)
                                                 : try liveObject(kind, name, in: v, tx: tx)
        if let verb = op.managedVerb { try ObjectStateRules.refuseManaged(object, verb) }
        let record = try versionRecord(of: object, version, tx: tx)
        if op.recordsVersion { draft.version = record.version }
        return ObjectStep(tx: tx, draft: draft, vault: v, object: object, record: record)
    }

    /// The checks a new version must pass: the right (at vault scope for a new name), a live vault, a name not
    /// held by a soft-deleted object, an object not managed by a certificate.
    func newVersionStep(_ op: Operation, _ draft: AuditDraft, vault: String, name: String,
                        in tx: any StoreTransaction) throws -> NewVersionStep {
        let kind = try op.requireKind()
        try Names.validateObject(name, kind: kind)
        let existing = try tx.vault(nameKey: Names.key(vault)).flatMap { v in
            v.deletedDate == nil ? try tx.object(vaultID: v.id, kind: kind, nameKey: Names.key(name)) : nil
        }
        // A new version of an existing object only (rotation) is decided as an object operation.
        let mustExist = op.target == .liveObject
        try decide(op, draft, on: Resource(vault: vault, kind: kind, name: name), objectExists: existing != nil || mustExist, in: tx)
        let v = try liveVault(vault, in: tx)
        if mustExist, existing?.deletedDate != nil || existing == nil { _ = try liveObject(kind, name, in: v, tx: tx) }
        try ObjectStateRules.refuseDeletedName(existing)
        if let existing, let verb = op.managedVerb { try ObjectStateRules.refuseManaged(existing, verb) }
        return NewVersionStep(tx: tx, draft: draft, vault: v, existing: existing)
    }

    /// Audit, input checks, transaction and error mapping around `work`.
    func pipeline<T>(_ op: Operation, _ caller: Caller, vault: String?, name: String?, version: String?,
                     checking: () throws -> Void, _ work: (any StoreTransaction, AuditDraft) throws -> T) throws -> T {
        try audited(op.name, caller, vault: vault, kind: op.kind, object: name, version: version) { draft in
            try refuseNonOwner(op, caller)
            try checking()
            guard op.writes else {
                return op.cached ? try readCache.read { tx in try work(tx, draft) }
                                 : try backend.read { tx in try work(tx, draft) }
            }
            return try writeTransaction(op, draft) { tx in try work(tx, draft) }
        }
    }

    /// A writing operation's transaction: what fell due is purged first (when `op` says so), and the success
    /// line is written inside it, so the change and its record land together.
    func writeTransaction<T>(_ op: Operation, _ draft: AuditDraft, _ work: (any StoreTransaction) throws -> T) throws -> T {
        let write = { (tx: any StoreTransaction) throws -> T in
            if op.purgesDue { try self.purgeExpired(in: tx) }
            let result = try work(tx)
            if !draft.committed { try self.commitAudit(draft, in: tx) }
            return result
        }
        return op.changesAccess ? try writeChangingAccess(write) : try backend.write(write)
    }

    /// Decides `op`'s right for the caller on `resource`, records the decision on the draft and throws the
    /// refusal. Creating a new name needs a vault-scope grant (`objectExists: false`).
    func decide(_ op: Operation, _ draft: AuditDraft, on resource: Resource?, objectExists: Bool = true,
                in tx: any StoreTransaction) throws {
        switch op.right {
        case .data(let actions):
            guard let resource else { throw VaultError(.storeFailure, "Operation \(op.name) names no resource.") }
            try authorize(actions, on: resource, objectExists: objectExists, draft: draft, in: tx)
        case .owner, .decidedByBody:
            // The Owner is checked before any transaction opens (`pipeline`); the others decide in the body.
            break
        }
    }
}

extension Operation {
    func requireKind() throws -> ObjectKind {
        guard let kind else { throw VaultError(.storeFailure, "Operation \(name) names no object family.") }
        return kind
    }
}
