import COpenSSL
import Foundation

/// Certificates: create from a policy (self-signed, or a CSR left pending until a signed chain is merged),
/// import (PFX or PEM), read, update, policy, merge. Listing, soft delete, recovery and purge are
/// `VaultEngine.objects(.certificate)`, which carries the linked key and secret along.
///
/// Like Azure, every completed version also writes a version of a **managed key** and a **managed secret** of
/// the same name and version: the key row looks like any key version (sealed PKCS#8, public `details`), so
/// the key operations work on it; the secret holds the PEM (private key when exportable, then the leaf and its
/// chain) or the PFX (base64, as Azure stores it). Both are read-only and live and die with the certificate.
/// The certificate's own version row keeps its private key sealed too (for merges and renewals that reuse it).
public struct CertificateService: Sendable {
    let context: EngineContext

    /// Creates a new certificate version from `policy` (the current policy when nil), and the certificate if
    /// the name is new. A `Self` issuer completes at once; an `Unknown` issuer leaves the version pending with
    /// a CSR until `merge` brings the signed chain.
    ///
    /// Needs `certificates/create/action` (at vault scope for a new name). A first creation whose name is held
    /// by a key or secret is a `.conflict` (Azure's 409).
    /// - Throws: `.invalidArgument` (name, policy, tags), `.conflict` (name taken, or a creation already pending),
    ///   `.deletedButRecoverable`, `.notFound` (vault, or no policy for an existing name), `.accessDenied`.
    @discardableResult
    public func create(vault: String, name: String, policy: CertificatePolicy? = nil, enabled: Bool = true,
                       tags: [String: String] = [:], as caller: Caller) throws -> CertificateOperation {
        try context.runNewVersion(.certificateCreate, caller, vault: vault, name: name, checking: {
            try Names.validateObject(name, kind: .certificate)
            try AttributeRules.validate(tags: tags)
            if let policy { try CertificatePolicyRules.validate(policy) }
        }, reading: { step -> (CertificatePolicy, PrivateKey?) in
            try context.refuseCertificateConflicts(step, name: name)
            guard let existing = step.existing else {
                guard let policy else { throw VaultError.invalid("A new certificate needs a policy.") }
                return (policy, nil)
            }
            let current = try context.versionRecord(of: existing, nil, tx: step.tx)
            let details = try CertificateDetails.decode(current.details)
            let effective = policy ?? details.policy
            let reuse = effective.keyProperties.reuseKey && details.status == CertificateDetails.completed
            return (effective, reuse ? try context.certificateKey(existing, current, vault: step.vault) : nil)
        }, making: { read in
            (read.0, try context.issueMaterial(read.0, reusing: read.1))
        }) { step, made in
            let (policy, material) = made
            try context.refuseCertificateConflicts(step, name: name)
            let version = try SecureRandom.hexIdentifier()
            step.draft.version = version
            let (object, record) = try context.storeCertificateVersion(step.tx, vault: step.vault, name: name, existing: step.existing,
                                                                       version: version, key: material.key, leaf: material.leaf, chain: [],
                                                                       policy: policy, csr: material.csr, enabled: enabled, tags: tags,
                                                                       imported: false)
            return context.operation(step.vault, object, try CertificateDetails.decode(record.details))
        }
    }

    /// Imports a certificate with its private key: a PFX (`password` opens it) or PEM text holding a PKCS#8
    /// private key and the certificate chain. The leaf is the certificate whose public key matches the private
    /// key; the others are kept as its chain. Without a policy, one is derived from the certificate (issuer
    /// `Unknown`, the certificate's subject, SANs, key usage and EKUs, exportable, content type by format).
    /// Needs `certificates/import/action` (at vault scope for a new name).
    /// - Throws: `.invalidArgument` (not a PFX/PEM, wrong password, no matching key), `.conflict`,
    ///   `.deletedButRecoverable`, `.notFound` (vault), `.accessDenied`.
    @discardableResult
    public func `import`(vault: String, name: String, _ material: CertificateImport, as caller: Caller) throws -> CertificateBundle {
        try context.runNewVersion(.certificateImport, caller, vault: vault, name: name, checking: {
            try Names.validateObject(name, kind: .certificate)
            try AttributeRules.validate(tags: material.tags)
            if let policy = material.policy { try CertificatePolicyRules.validate(policy) }
        }, reading: { step in
            try context.refuseCertificateConflicts(step, name: name)
        }, making: { _ -> (PrivateKey, X509Certificate, [X509Certificate], CertificatePolicy) in
            let (key, leaf, chain, format) = try KeyRules.crypto { try CertificateRules.parseImport(material) }
            var policy = material.policy ?? CertificateRules.derivedPolicy(leaf, key: key, contentType: format)
            policy.keyProperties = CertificateRules.keyProperties(of: key, keeping: policy.keyProperties)
            try CertificatePolicyRules.validate(policy)
            return (key, leaf, chain, policy)
        }) { step, parsed in
            let (key, leaf, chain, policy) = parsed
            try context.refuseCertificateConflicts(step, name: name)
            let version = try SecureRandom.hexIdentifier()
            step.draft.version = version
            let (object, record) = try context.storeCertificateVersion(step.tx, vault: step.vault, name: name, existing: step.existing,
                                                                       version: version, key: key, leaf: leaf, chain: chain, policy: policy,
                                                                       csr: nil, enabled: material.enabled, tags: material.tags, imported: true)
            return try context.certificateBundle(object, record, vault: step.vault)
        }
    }

    /// A certificate version (the current one, or `version`): identifiers, thumbprint, DER and chain, policy,
    /// attributes, tags. Needs `certificates/read`.
    /// - Throws: `.notFound`, `.accessDenied`, `.corrupted`.
    public func get(vault: String, name: String, version: String? = nil, as caller: Caller) throws -> CertificateBundle {
        try context.run(.certificateGet, caller, vault: vault, name: name, version: version) { step in
            try context.certificateBundle(step.object, step.record, vault: step.vault)
        }
    }

    /// The certificate's policy. Needs `certificates/read`.
    /// - Throws: `.notFound`, `.accessDenied`.
    public func policy(vault: String, name: String, as caller: Caller) throws -> CertificatePolicy {
        try context.run(.certificatePolicyGet, caller, vault: vault, name: name) { step in
            try CertificateDetails.decode(step.record.details).policy
        }
    }

    /// Replaces the certificate's policy; it governs the next versions (renewals, creations). Needs
    /// `certificates/update/action`.
    /// - Throws: `.invalidArgument`, `.notFound`, `.accessDenied`.
    @discardableResult
    public func updatePolicy(vault: String, name: String, _ policy: CertificatePolicy, as caller: Caller) throws -> CertificatePolicy {
        try context.run(.certificatePolicyUpdate, caller, vault: vault, name: name,
                        checking: { try CertificatePolicyRules.validate(policy) }) { step in
            try context.replacePolicy(policy, of: step.object, tx: step.tx)
            return policy
        }
    }

    /// Changes one version's `enabled` and tags (the current version when `version` is nil), and the policy
    /// when given. `enabled` carries over to the managed key and secret version of the same name and version:
    /// a disabled certificate's key and secret are unusable. nbf and exp come from the X.509 and cannot change.
    /// Needs `certificates/update/action`.
    /// - Throws: `.invalidArgument`, `.notFound`, `.accessDenied`.
    @discardableResult
    public func update(vault: String, name: String, version: String? = nil, _ update: CertificateUpdate,
                       as caller: Caller) throws -> CertificateBundle {
        try context.run(.certificateUpdate, caller, vault: vault, name: name, version: version, checking: {
            try AttributeRules.validate(update.attributes, for: .certificate)
            if let policy = update.policy { try CertificatePolicyRules.validate(policy) }
        }) { step in
            let tx = step.tx
            var record = step.record
            let now = context.clock.now()
            if let enabled = update.attributes.enabled {
                record.enabled = enabled
                for kind in [ObjectKind.key, .secret] {
                    guard let linked = try tx.object(vaultID: step.vault.id, kind: kind, nameKey: step.object.nameKey), linked.managed,
                          var linkedVersion = try tx.version(objectID: linked.id, version: record.version) else { continue }
                    linkedVersion.enabled = enabled
                    linkedVersion.updated = now
                    try tx.updateVersion(linkedVersion)
                }
            }
            if let tags = update.attributes.tags { record.tags = tags }
            record.updated = now
            try tx.updateVersion(record)
            if let policy = update.policy { try context.replacePolicy(policy, of: step.object, tx: tx) }
            return try context.certificateBundle(step.object, try context.versionRecord(of: step.object, record.version, tx: tx),
                                                 vault: step.vault)
        }
    }

    /// The pending creation of a certificate (Azure's CertificateOperation): its CSR and status. Needs
    /// `certificates/read`.
    /// - Throws: `.notFound` (no pending creation), `.accessDenied`.
    public func pendingOperation(vault: String, name: String, as caller: Caller) throws -> CertificateOperation {
        try context.run(.certificatePendingGet, caller, vault: vault, name: name) { step in
            guard let (record, details) = try context.pendingVersion(of: step.object, tx: step.tx) else {
                throw VaultError(.pendingCertificateNotFound, "Pending certificate not found: \(step.object.name)")
            }
            step.draft.version = record.version
            return context.operation(step.vault, step.object, details)
        }
    }

    /// Abandons the pending creation of a certificate (Azure's DeletePendingCertificate) and answers with the
    /// operation as it was. The pending version, its CSR and its sealed key go; the certificate's earlier
    /// completed version stays current. A first creation still pending leaves nothing behind: the certificate
    /// is removed (it never had a completed version, a managed key or a secret). Needs
    /// `certificates/update/action`.
    /// - Throws: `.pendingCertificateNotFound` (no pending creation), `.notFound`, `.accessDenied`.
    @discardableResult
    public func deletePendingOperation(vault: String, name: String, as caller: Caller) throws -> CertificateOperation {
        try context.run(.certificatePendingDelete, caller, vault: vault, name: name) { step in
            let tx = step.tx
            guard let (pending, details) = try context.pendingVersion(of: step.object, tx: tx) else {
                throw VaultError(.pendingCertificateNotFound, "Pending certificate not found: \(step.object.name)")
            }
            step.draft.version = pending.version
            let operation = context.operation(step.vault, step.object, details)
            let others = try tx.versions(objectID: step.object.id).filter { $0.version != pending.version }
            if others.isEmpty {
                step.draft.note = "a first creation abandoned: the certificate is removed"
                try tx.removeObject(id: step.object.id)
            } else {
                if step.object.currentVersion == pending.version, let newest = others.last {
                    var object = step.object
                    object.currentVersion = newest.version
                    try tx.updateObject(object)
                }
                try tx.removeVersion(objectID: step.object.id, version: pending.version)
            }
            return operation
        }
    }

    /// Completes a pending creation with the signed certificate and its chain (`x5c`: DER certificates, leaf
    /// first or in any order; the leaf is the one whose key is the pending key). Needs
    /// `certificates/create/action`.
    /// - Throws: `.invalidArgument` (no certificate for the pending key, unparsable DER), `.notFound` (no
    ///   pending creation), `.conflict` (the name was taken by a key or secret meanwhile), `.accessDenied`.
    @discardableResult
    public func merge(vault: String, name: String, x5c: [[UInt8]], enabled: Bool? = nil, tags: [String: String]? = nil,
                      as caller: Caller) throws -> CertificateBundle {
        var certificates: [X509Certificate] = []
        return try context.run(.certificatePendingMerge, caller, vault: vault, name: name, checking: {
            if let tags { try AttributeRules.validate(tags: tags) }
            guard !x5c.isEmpty else { throw VaultError.invalid("Merge needs x5c: the signed certificate and its chain.") }
            certificates = try KeyRules.crypto { try x5c.map { try X509Certificate(der: $0) } }
        }) { step in
            try merge(certificates, into: step, enabled: enabled, tags: tags)
        }
    }

    /// The merge of a PEM chain (`-----BEGIN CERTIFICATE-----` blocks), as `merge(vault:name:x5c:enabled:tags:as:)`.
    /// - Throws: as `merge(vault:name:x5c:enabled:tags:as:)`; `.invalidArgument` for PEM without certificates.
    @discardableResult
    public func merge(vault: String, name: String, pemChain: String, as caller: Caller) throws -> CertificateBundle {
        var certificates: [X509Certificate] = []
        return try context.run(.certificatePendingMerge, caller, vault: vault, name: name, checking: {
            certificates = try KeyRules.crypto { try X509Certificate.all(fromPEM: pemChain) }
        }) { step in
            try merge(certificates, into: step, enabled: nil, tags: nil)
        }
    }

    private func merge(_ certificates: [X509Certificate], into step: ObjectStep, enabled: Bool?, tags: [String: String]?) throws -> CertificateBundle {
        let tx = step.tx
        var object = step.object
        guard let (pending, details) = try context.pendingVersion(of: object, tx: tx) else {
            throw VaultError(.pendingCertificateNotFound, "Pending certificate not found: \(object.name)")
        }
        step.draft.version = pending.version
        let key = try context.certificateKey(object, pending, vault: step.vault)
        guard let leaf = certificates.first(where: { $0.matches(key) }) else {
            throw VaultError.invalid("None of the merged certificates is for the pending key of '\(object.name)'; merge the certificate signed from its CSR.")
        }
        let chain = CertificateRules.order(chainOf: leaf, from: certificates.filter { $0 !== leaf })
        try context.refuseForeignNames(object.name, vault: step.vault, tx: tx)
        let current = step.record
        var completed = details
        completed.status = CertificateDetails.completed
        completed.cer = Data(leaf.der).base64EncodedString()
        completed.chain = chain.map { Data($0.der).base64EncodedString() }
        completed.csr = nil
        if current.version != pending.version {
            // The policy lives on the current version; the merged version becomes current and takes it.
            completed.policy = try CertificateDetails.decode(current.details).policy
        }
        var record = pending
        record.details = try completed.encoded()
        record.notBefore = leaf.notBefore
        record.expires = leaf.notAfter
        if let enabled { record.enabled = enabled }
        if let tags { record.tags = tags }
        record.updated = context.clock.now()
        try tx.updateVersion(record)
        object.currentVersion = record.version
        try tx.updateObject(object)
        try context.writeManagedParts(tx, vault: step.vault, name: object.name, version: record.version, key: key, leaf: leaf, chain: chain,
                                      policy: completed.policy, enabled: record.enabled, tags: record.tags, imported: false)
        return try context.certificateBundle(object, record, vault: step.vault)
    }
}
