import Foundation

/// What a caller may do with a vault's collection.
public struct CollectionInspection: Sendable {
    /// The data actions the caller holds at vault scope for the collection's kind (engine-internal: front-ends
    /// render `capabilities`).
    var rights: Set<DataAction>
    /// What the caller may do with the collection (listing, new names, deleted objects, the `.ops` file).
    public var capabilities: Capabilities
}

/// What a caller may do with one object, and what it is: the answer a filesystem needs for `lookup` and
/// `stat`. Inspection writes no audit line when it succeeds (a `stat` is not an Azure operation); a denial
/// is audited like any other.
public struct Inspection: Sendable {
    /// The data actions the caller holds on the object (engine-internal: front-ends render `capabilities`).
    var rights: Set<DataAction>
    /// What the caller may do with the object, from its rights and the object's state.
    public var capabilities: Capabilities
    /// The current (or named) version's properties; `nil` when the object does not exist.
    public var properties: VersionProperties?
    /// Set for a soft-deleted object.
    public var deleted: DeletedObject?
    /// The public content of a key or certificate version, from `inspectPublicView` only, and only for a
    /// caller who may read it: what a front-end needs to show the exact size of the files it renders.
    public var publicView: PublicView? = nil
    /// The exact length of a secret's decoded form, from `inspectSecretForm` only, and only for a caller whose
    /// `stat` may show the value's length (`knowLength`).
    public var formLength: Int? = nil
    /// For a certificate's own entry (no version named) from `inspectPublicView`, for a caller who may read
    /// it: whether a creation is pending (its directory then also shows `csr.pem`).
    public var hasPendingCreation = false
}

/// The public content of one key or certificate version, read from its record without opening any sealed
/// (private) material.
public enum PublicView: Sendable {
    case key(KeyBundle)
    case certificate(CertificateBundle)
}

extension AccessService {
    /// Rights and properties of a live object (or one of its versions) for `caller`.
    ///
    /// - Throws: `.accessDenied` when the caller holds no right on the object — whether or not it exists, so
    ///   nothing leaks; `.notFound` when the vault is gone.
    public func inspect(_ kind: ObjectKind, vault: String, name: String, version: String? = nil,
                              as caller: Caller) throws -> Inspection {
        try inspection(kind, vault: vault, name: name, version: version, deleted: false, caller: caller)
    }

    /// `inspect`, plus the version's public view (`Inspection.publicView`) when `kind` is a key or a certificate
    /// and the caller may read it. Like `inspect`, an allowance writes no audit line: knowing a file's size is
    /// not reading it. The view comes from the version's public record; private keys stay sealed.
    /// - Throws: as `inspect`; `.corrupted` for a record that does not parse.
    public func inspectPublicView(_ kind: ObjectKind, vault: String, name: String, version: String? = nil,
                                  as caller: Caller) throws -> Inspection {
        try inspection(kind, vault: vault, name: name, version: version, deleted: false, caller: caller, publicView: true)
    }

    /// `inspect` of a secret, plus `Inspection.formLength`: the length of its decoded `form` when the secret
    /// has one (`SecretFormRules`) and the caller may know the value's length. The value is opened to measure
    /// it and dropped; nothing of it leaves but the length, and like `inspect`, an allowance writes no audit line.
    /// A secret without forms answers with no properties, as a missing object does.
    /// - Throws: as `inspect`; `.corrupted` for a value that does not decode.
    public func inspectSecretForm(_ form: SecretForm, vault: String, name: String, version: String? = nil,
                                  as caller: Caller) throws -> Inspection {
        try inspection(.secret, vault: vault, name: name, version: version, deleted: false, caller: caller, secretForm: form)
    }

    /// Rights and metadata of a soft-deleted object for `caller`.
    /// - Throws: `.accessDenied` when the caller holds no right on it, `.notFound` (vault).
    public func inspectDeleted(_ kind: ObjectKind, vault: String, name: String, as caller: Caller) throws -> Inspection {
        try inspection(kind, vault: vault, name: name, version: nil, deleted: true, caller: caller)
    }

    private func inspection(_ kind: ObjectKind, vault: String, name: String, version: String?, deleted: Bool,
                         caller: Caller, publicView: Bool = false, secretForm: SecretForm? = nil) throws -> Inspection {
        let resource = Resource(vault: vault, kind: kind, name: name)
        let outcome: Result<Inspection, VaultError> = try context.readCache.read { tx in
            let held: [RoleAssignment]
            do {
                held = try context.assignments(for: caller, in: tx)
            } catch let error as VaultError where error.cause is AccessDenial {
                return .failure(error)
            }
            let evaluator = AccessEvaluator(assignments: held)
            let rights = evaluator.grantedActions(on: resource, among: kind.allActions)
            guard !rights.isEmpty else {
                return .failure(VaultError(.accessDenied, "Caller \(caller) holds no right on '\(resource)'."))
            }
            guard let v = try tx.vault(nameKey: Names.key(vault)), v.deletedDate == nil else {
                return .failure(VaultError(.vaultNotFound, "Vault '\(Names.printable(vault))' was not found."))
            }
            guard let object = try tx.object(vaultID: v.id, kind: kind, nameKey: Names.key(name)),
                  (object.deletedDate != nil) == deleted,
                  !deleted || (object.scheduledPurgeDate ?? .distantFuture) > context.clock.now() else {
                return .success(inspection(nil, deleted: nil))
            }
            if deleted {
                let record = try context.deletedObject(object, vault: v, tx: tx)
                return .success(inspection(record.properties, deleted: record))
            }
            guard let record = try tx.version(objectID: object.id, version: version ?? object.currentVersion) else {
                return .success(inspection(nil, deleted: nil))
            }
            var found = inspection(context.properties(object, record, vault: v), deleted: nil)
            if let secretForm, let properties = found.properties {
                guard SecretFormRules.hasForms(properties) else { return .success(inspection(nil, deleted: nil)) }
                if found.capabilities.contains(.knowLength) {
                    let value = try context.openValue(of: object, record, in: v)
                    found.formLength = try SecretFormRendering.render(value, as: secretForm, name: properties.name).count
                }
            }
            if publicView, found.capabilities.contains(.read) {
                switch kind {
                case .key: found.publicView = .key(try context.keyBundle(object, record, vault: v))
                case .certificate:
                    found.publicView = .certificate(try context.certificateBundle(object, record, vault: v))
                    found.hasPendingCreation = try version == nil && context.pendingVersion(of: object, tx: tx) != nil
                case .secret: break
                }
            }
            return .success(found)

            func inspection(_ properties: VersionProperties?, deleted record: DeletedObject?) -> Inspection {
                let capabilities = deleted ? CapabilityRules.deletedObject(kind, rights: rights)
                                           : CapabilityRules.object(kind, rights: rights, properties: properties, isVersion: version != nil)
                return Inspection(rights: rights, capabilities: capabilities, properties: properties, deleted: record)
            }
        }
        switch outcome {
        case .success(let inspection):
            return inspection
        case .failure(let error):
            return try context.audited(Operation.inspect(kind).name, caller, vault: vault, kind: kind, object: name, version: version) { draft -> Inspection in
                if let denial = error.cause as? AccessDenial {
                    draft.decision = .deny(denial.reason)
                    throw error
                }
                draft.decision = .deny(error.code == .accessDenied ? "DeniedWithNoValidRBAC: no role grants any action on \(resource)" : error.message)
                throw error
            }
        }
    }

    /// What `caller` may do with a vault's collection (listing, creating new names, its soft-deleted objects,
    /// its `.ops` file), from one look at the access snapshot; an allowance writes no audit line.
    /// - Throws: `.accessDenied` (audited as the collection's List) when the caller holds no role in the vault
    ///   and is not the store's Owner — whether or not the vault exists; `.vaultNotFound` for a missing vault.
    public func inspectCollection(_ kind: ObjectKind, vault: String, as caller: Caller) throws -> CollectionInspection {
        let snapshot = try context.snapshot()
        let held = try context.assignments(in: snapshot, for: caller, auditedAs: Operation.list(kind), vault: vault)
        let evaluator = AccessEvaluator(assignments: held)
        try requireVisible(vault, evaluator, snapshot, operation: Operation.list(kind), caller: caller)
        let rights = evaluator.grantedActions(on: Resource(vault: vault, kind: kind), among: kind.allActions)
        return CollectionInspection(rights: rights, capabilities: CapabilityRules.collection(kind, rights: rights))
    }

    /// Checks that `caller` may see the vault: it holds a role there, or is the store's Owner.
    /// - Throws: `.accessDenied` (audited as VaultGet) for anyone else, whether or not the vault exists;
    ///   `.vaultNotFound` for a missing vault.
    public func inspectVault(_ vault: String, as caller: Caller) throws {
        let snapshot = try context.snapshot()
        let held = try context.assignments(in: snapshot, for: caller, auditedAs: Operation.vaultGet, vault: vault)
        try requireVisible(vault, AccessEvaluator(assignments: held), snapshot,
                           operation: Operation.vaultGet, caller: caller)
    }

    private func requireVisible(_ vault: String, _ evaluator: AccessEvaluator, _ snapshot: AccessSnapshot,
                                operation: Operation, caller: Caller) throws {
        if !context.isOwner(caller) && !evaluator.holdsAnyRole(in: vault) {
            try context.audited(operation.name, caller, vault: vault, kind: operation.kind) { draft in
                draft.decision = .deny("DeniedWithNoValidRBAC: the caller holds no role in vault '\(Names.printable(vault))'")
                throw VaultError(.accessDenied, "Caller \(caller) holds no role in vault '\(Names.printable(vault))'.")
            }
        }
        guard snapshot.liveVaults.contains(Names.key(vault)) else {
            throw VaultError(.vaultNotFound, "Vault '\(Names.printable(vault))' was not found.")
        }
    }

    /// Whether a live vault of this name exists (for the Owner's lookups; no audit line).
    /// - Throws: store errors.
    public func vaultExists(_ name: String) throws -> Bool {
        try context.snapshot().liveVaults.contains(Names.key(name))
    }
}

extension AccessService {
    /// The caller's access evaluator, for tests and tools that show raw decisions without auditing.
    /// - Throws: store errors.
    public func evaluator(for caller: Caller) throws -> AccessEvaluator {
        AccessEvaluator(assignments: try context.snapshot().assignments(for: caller))
    }
}
