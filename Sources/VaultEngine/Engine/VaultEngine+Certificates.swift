import COpenSSL
import Foundation

/// Certificates: create from a policy (self-signed, or a CSR left pending until a signed chain is merged),
/// import (PFX or PEM), read, update, policy, merge. Listing, soft delete, recovery and purge are the generic
/// lifecycle (`listObjects(.certificate, …)`, `deleteObject(.certificate, …)`, …), which carries the linked
/// key and secret along.
///
/// Like Azure, every completed version also writes a version of a **managed key** and a **managed secret** of
/// the same name and version: the key row looks like any key version (sealed PKCS#8, public `details`), so
/// the key engine's operations work on it; the secret holds the PEM (private key when exportable, then the
/// leaf and its chain) or the PFX (base64, as Azure stores it). Both are read-only and live and die with the
/// certificate. The certificate's own version row keeps its private key sealed too (for merges and
/// renewals that reuse the key).
extension VaultEngine {
    /// Creates a new certificate version from `policy` (the current policy when nil), and the certificate if
    /// the name is new. A `Self` issuer completes at once; an `Unknown` issuer leaves the version pending with
    /// a CSR until `mergeCertificate` brings the signed chain.
    ///
    /// Needs `certificates/create/action` (at vault scope for a new name). A first creation whose name is held
    /// by a key or secret is a `.conflict` (Azure's 409).
    /// - Throws: `.invalidArgument` (name, policy, tags), `.conflict` (name taken, or a creation already pending),
    ///   `.deletedButRecoverable`, `.notFound` (vault, or no policy for an existing name), `.accessDenied`.
    @discardableResult
    public func createCertificate(vault: String, name: String, policy: CertificatePolicy? = nil, enabled: Bool = true,
                                  tags: [String: String] = [:], as caller: Caller) throws -> CertificateOperation {
        try audited("CertificateCreate", caller, vault: vault, kind: .certificate, object: name) { draft in
            try Names.validateObject(name, kind: .certificate)
            try AttributeRules.validate(tags: tags)
            if let policy { try CertificatePolicyRules.validate(policy) }
            let (known, currentKey) = try backend.read { tx -> (CertificatePolicy?, PrivateKey?) in
                let (v, existing) = try checkCertificateWritable(DataAction.Certificates.create, vault: vault, name: name, draft: draft, tx: tx)
                guard let existing else { return (nil, nil) }
                let details = try CertificateDetails.decode(try versionRecord(of: existing, nil, tx: tx).details)
                let effective = policy ?? details.policy
                let reuse = effective.keyProperties.reuseKey && details.status == CertificateDetails.completed
                return (details.policy, reuse ? try certificateKey(existing, try versionRecord(of: existing, nil, tx: tx), vault: v) : nil)
            }
            guard let effective = policy ?? known else {
                throw VaultError.invalid("A new certificate needs a policy.")
            }
            return try makeCertificateVersion(vault: vault, name: name, policy: effective, reusing: currentKey, enabled: enabled,
                                              tags: tags, action: DataAction.Certificates.create, draft: draft)
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
    public func importCertificate(vault: String, name: String, _ material: CertificateImport, as caller: Caller) throws -> CertificateBundle {
        try audited("CertificateImport", caller, vault: vault, kind: .certificate, object: name) { draft in
            try Names.validateObject(name, kind: .certificate)
            try AttributeRules.validate(tags: material.tags)
            if let policy = material.policy { try CertificatePolicyRules.validate(policy) }
            _ = try backend.read { tx in try checkCertificateWritable(DataAction.Certificates.import, vault: vault, name: name, draft: draft, tx: tx) }
            let (key, leaf, chain, format) = try KeyRules.crypto { try CertificateRules.parseImport(material) }
            var policy = material.policy ?? CertificateRules.derivedPolicy(leaf, key: key, contentType: format)
            policy.keyProperties = CertificateRules.keyProperties(of: key, keeping: policy.keyProperties)
            try CertificatePolicyRules.validate(policy)
            return try backend.write { tx in
                try purgeExpired(in: tx)
                let (v, existing) = try checkCertificateWritable(DataAction.Certificates.import, vault: vault, name: name, draft: draft, tx: tx)
                let version = try SecureRandom.hexIdentifier()
                draft.version = version
                let (object, record) = try storeCertificateVersion(tx, vault: v, name: name, existing: existing, version: version, key: key,
                                                                   leaf: leaf, chain: chain, policy: policy, csr: nil, enabled: material.enabled,
                                                                   tags: material.tags, imported: true)
                try commitAudit(draft, in: tx)
                return try certificateBundle(object, record, vault: v)
            }
        }
    }

    /// A certificate version (the current one, or `version`): identifiers, thumbprint, DER and chain, policy,
    /// attributes, tags. Needs `certificates/read`.
    /// - Throws: `.notFound`, `.accessDenied`, `.corrupted`.
    public func certificate(vault: String, name: String, version: String? = nil, as caller: Caller) throws -> CertificateBundle {
        try audited("CertificateGet", caller, vault: vault, kind: .certificate, object: name, version: version) { draft in
            try backend.read { tx in
                try authorize(DataAction.Certificates.read, on: Resource(vault: vault, kind: .certificate, name: name), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                let object = try liveObject(.certificate, name, in: v, tx: tx)
                let record = try versionRecord(of: object, version, tx: tx)
                draft.version = record.version
                return try certificateBundle(object, record, vault: v)
            }
        }
    }

    /// The certificate's policy. Needs `certificates/read`.
    /// - Throws: `.notFound`, `.accessDenied`.
    public func certificatePolicy(vault: String, name: String, as caller: Caller) throws -> CertificatePolicy {
        try audited("CertificatePolicyGet", caller, vault: vault, kind: .certificate, object: name) { draft in
            try backend.read { tx in
                try authorize(DataAction.Certificates.read, on: Resource(vault: vault, kind: .certificate, name: name), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                let object = try liveObject(.certificate, name, in: v, tx: tx)
                return try CertificateDetails.decode(try versionRecord(of: object, nil, tx: tx).details).policy
            }
        }
    }

    /// Replaces the certificate's policy; it governs the next versions (renewals, creations). Needs
    /// `certificates/update/action`.
    /// - Throws: `.invalidArgument`, `.notFound`, `.accessDenied`.
    @discardableResult
    public func updateCertificatePolicy(vault: String, name: String, _ policy: CertificatePolicy, as caller: Caller) throws -> CertificatePolicy {
        try audited("CertificatePolicyUpdate", caller, vault: vault, kind: .certificate, object: name) { draft in
            try CertificatePolicyRules.validate(policy)
            return try backend.write { tx in
                try authorize(DataAction.Certificates.update, on: Resource(vault: vault, kind: .certificate, name: name), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                let object = try liveObject(.certificate, name, in: v, tx: tx)
                try replacePolicy(policy, of: object, tx: tx)
                try commitAudit(draft, in: tx)
                return policy
            }
        }
    }

    /// Changes one version's `enabled` and tags (the current version when `version` is nil), and the policy
    /// when given. `enabled` carries over to the managed key and secret version of the same name and version:
    /// a disabled certificate's key and secret are unusable. nbf and exp come from the X.509 and cannot change.
    /// Needs `certificates/update/action`.
    /// - Throws: `.invalidArgument`, `.notFound`, `.accessDenied`.
    @discardableResult
    public func updateCertificate(vault: String, name: String, version: String? = nil, _ update: CertificateUpdate,
                                  as caller: Caller) throws -> CertificateBundle {
        try audited("CertificateUpdate", caller, vault: vault, kind: .certificate, object: name, version: version) { draft in
            try AttributeRules.validate(update.attributes, for: .certificate)
            if let policy = update.policy { try CertificatePolicyRules.validate(policy) }
            return try backend.write { tx in
                try authorize(DataAction.Certificates.update, on: Resource(vault: vault, kind: .certificate, name: name), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                let object = try liveObject(.certificate, name, in: v, tx: tx)
                var record = try versionRecord(of: object, version, tx: tx)
                draft.version = record.version
                let now = clock.now()
                if let enabled = update.attributes.enabled {
                    record.enabled = enabled
                    for kind in [ObjectKind.key, .secret] {
                        guard let linked = try tx.object(vaultID: v.id, kind: kind, nameKey: object.nameKey), linked.managed,
                              var linkedVersion = try tx.version(objectID: linked.id, version: record.version) else { continue }
                        linkedVersion.enabled = enabled
                        linkedVersion.updated = now
                        try tx.updateVersion(linkedVersion)
                    }
                }
                if let tags = update.attributes.tags { record.tags = tags }
                record.updated = now
                try tx.updateVersion(record)
                if let policy = update.policy { try replacePolicy(policy, of: object, tx: tx) }
                try commitAudit(draft, in: tx)
                return try certificateBundle(object, try versionRecord(of: object, record.version, tx: tx), vault: v)
            }
        }
    }

    /// The pending creation of a certificate (Azure's CertificateOperation): its CSR and status. Needs
    /// `certificates/read`.
    /// - Throws: `.notFound` (no pending creation), `.accessDenied`.
    public func pendingCertificateOperation(vault: String, name: String, as caller: Caller) throws -> CertificateOperation {
        try audited("CertificatePendingGet", caller, vault: vault, kind: .certificate, object: name) { draft in
            try backend.read { tx in
                try authorize(DataAction.Certificates.read, on: Resource(vault: vault, kind: .certificate, name: name), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                let object = try liveObject(.certificate, name, in: v, tx: tx)
                guard let (record, details) = try pendingVersion(of: object, tx: tx) else {
                    throw VaultError(.pendingCertificateNotFound, "Pending certificate not found: \(object.name)")
                }
                draft.version = record.version
                return operation(v, object, details)
            }
        }
    }

    /// Completes a pending creation with the signed certificate and its chain (`x5c`: DER certificates, leaf
    /// first or in any order; the leaf is the one whose key is the pending key). Needs
    /// `certificates/create/action`.
    /// - Throws: `.invalidArgument` (no certificate for the pending key, unparsable DER), `.notFound` (no
    ///   pending creation), `.conflict` (the name was taken by a key or secret meanwhile), `.accessDenied`.
    @discardableResult
    public func mergeCertificate(vault: String, name: String, x5c: [[UInt8]], enabled: Bool? = nil, tags: [String: String]? = nil,
                                 as caller: Caller) throws -> CertificateBundle {
        try audited("CertificatePendingMerge", caller, vault: vault, kind: .certificate, object: name) { draft in
            if let tags { try AttributeRules.validate(tags: tags) }
            guard !x5c.isEmpty else { throw VaultError.invalid("Merge needs x5c: the signed certificate and its chain.") }
            let certificates = try KeyRules.crypto { try x5c.map { try X509Certificate(der: $0) } }
            return try backend.write { tx in
                try authorize(DataAction.Certificates.create, on: Resource(vault: vault, kind: .certificate, name: name), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                var object = try liveObject(.certificate, name, in: v, tx: tx)
                guard let (pending, details) = try pendingVersion(of: object, tx: tx) else {
                    throw VaultError(.pendingCertificateNotFound, "Pending certificate not found: \(object.name)")
                }
                draft.version = pending.version
                let key = try certificateKey(object, pending, vault: v)
                guard let leaf = certificates.first(where: { $0.matches(key) }) else {
                    throw VaultError.invalid("None of the merged certificates is for the pending key of '\(object.name)'; merge the certificate signed from its CSR.")
                }
                let chain = CertificateRules.order(chainOf: leaf, from: certificates.filter { $0 !== leaf })
                try refuseForeignNames(object.name, vault: v, tx: tx)
                var current = try versionRecord(of: object, nil, tx: tx)
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
                record.updated = clock.now()
                try tx.updateVersion(record)
                object.currentVersion = record.version
                try tx.updateObject(object)
                current = record
                try writeManagedParts(tx, vault: v, name: object.name, version: record.version, key: key, leaf: leaf, chain: chain,
                                      policy: completed.policy, enabled: record.enabled, tags: record.tags, imported: false)
                try commitAudit(draft, in: tx)
                return try certificateBundle(object, current, vault: v)
            }
        }
    }

    /// The merge of a PEM chain (`-----BEGIN CERTIFICATE-----` blocks), as `mergeCertificate(…x5c:…)`.
    /// - Throws: as `mergeCertificate(vault:name:x5c:enabled:tags:as:)`; `.invalidArgument` for PEM without certificates.
    @discardableResult
    public func mergeCertificate(vault: String, name: String, pemChain: String, as caller: Caller) throws -> CertificateBundle {
        let certificates: [X509Certificate]
        do {
            certificates = try KeyRules.crypto { try X509Certificate.all(fromPEM: pemChain) }
        } catch let error as VaultError {
            return try audited("CertificatePendingMerge", caller, vault: vault, kind: .certificate, object: name) { _ in throw error }
        }
        return try mergeCertificate(vault: vault, name: name, x5c: certificates.map(\.der), as: caller)
    }

    // MARK: building versions

    /// The key (generated, or `reusing`), and the self-signed certificate or the CSR, of a new version under `policy`.
    func issueMaterial(_ policy: CertificatePolicy, reusing: PrivateKey?) throws -> (key: PrivateKey, leaf: X509Certificate?, csr: String?) {
        let key = try reusing ?? KeyRules.crypto { try CertificateRules.generateKey(policy.keyProperties) }
        let spec = CertificateRules.subjectSpec(policy)
        if policy.issuerParameters.isSelf {
            let now = clock.now()
            let notAfter = CertificateRules.notAfter(now, months: policy.x509CertificateProperties.validityInMonths)
            return (key, try KeyRules.crypto { try CertificateBuilder.selfSigned(spec, key: key, notBefore: now, notAfter: notAfter) }, nil)
        }
        return (key, nil, try KeyRules.crypto { try CertificateBuilder.signingRequest(spec, key: key) })
    }

    /// Generates (or reuses) the key, makes the self-signed certificate or the CSR, and stores the version.
    func makeCertificateVersion(vault: String, name: String, policy: CertificatePolicy, reusing: PrivateKey?, enabled: Bool,
                                tags: [String: String], action: DataAction, draft: AuditDraft) throws -> CertificateOperation {
        let (key, leaf, csr) = try issueMaterial(policy, reusing: reusing)
        return try backend.write { tx in
            try purgeExpired(in: tx)
            let (v, existing) = try checkCertificateWritable(action, vault: vault, name: name, draft: draft, tx: tx)
            let version = try SecureRandom.hexIdentifier()
            draft.version = version
            let (object, record) = try storeCertificateVersion(tx, vault: v, name: name, existing: existing, version: version, key: key,
                                                               leaf: leaf, chain: [], policy: policy, csr: csr, enabled: enabled,
                                                               tags: tags, imported: false)
            try commitAudit(draft, in: tx)
            return operation(v, object, try CertificateDetails.decode(record.details))
        }
    }

    /// The checks a new version must pass: the right (at vault scope for a new name), a live vault, a name not
    /// held by a soft-deleted certificate, no creation pending, and for a new name no key or secret of that name.
    func checkCertificateWritable(_ action: DataAction, vault: String, name: String, draft: AuditDraft,
                                  tx: any StoreTransaction) throws -> (VaultRecord, ObjectRecord?) {
        let liveVaultRecord = try tx.vault(nameKey: Names.key(vault)).flatMap { $0.deletedDate == nil ? $0 : nil }
        let existing = try liveVaultRecord.flatMap { try tx.object(vaultID: $0.id, kind: .certificate, nameKey: Names.key(name)) }
        try authorize(action, on: Resource(vault: vault, kind: .certificate, name: name), objectExists: existing != nil, draft: draft, in: tx)
        let v = try liveVault(vault, in: tx)
        try ObjectStateRules.refuseDeletedName(existing)
        if let existing {
            if try pendingVersion(of: existing, tx: tx) != nil {
                throw VaultError(.pendingCreation, "Certificate \(existing.name) has a pending creation; merge or abandon it first.")
            }
        } else {
            try refuseForeignNames(name, vault: v, tx: tx)
        }
        return (v, existing)
    }

    /// A certificate occupies the key and secret names too: a key or secret of that name that the certificate
    /// does not manage (live or soft-deleted) is Azure's 409 Conflict.
    func refuseForeignNames(_ name: String, vault: VaultRecord, tx: any StoreTransaction) throws {
        for kind in [ObjectKind.key, .secret] {
            if let other = try tx.object(vaultID: vault.id, kind: kind, nameKey: Names.key(name)), !other.managed {
                throw VaultError(.conflict,
                                 "The name \(Names.printable(name)) is already used by a \(kind.rawValue)\(other.deletedDate == nil ? "" : " (soft-deleted)") in this vault; a certificate needs its name for its key and secret too.")
            }
        }
    }

    /// Writes the certificate object (if new) and version; a completed version also writes the managed key and
    /// secret versions. A pending version becomes current only when it is the certificate's first.
    func storeCertificateVersion(_ tx: any StoreTransaction, vault v: VaultRecord, name: String, existing: ObjectRecord?, version: String,
                                 key: PrivateKey, leaf: X509Certificate?, chain: [X509Certificate], policy: CertificatePolicy,
                                 csr: String?, enabled: Bool, tags: [String: String], imported: Bool) throws -> (ObjectRecord, VersionRecord) {
        let now = clock.now()
        let object = try objectForNewVersion(existing, kind: .certificate, name: name, in: v, version: version, now: now,
                                             becomesCurrent: leaf != nil, tx: tx)
        let details = CertificateDetails(status: leaf == nil ? CertificateDetails.pending : CertificateDetails.completed,
                                         cer: leaf.map { Data($0.der).base64EncodedString() },
                                         chain: chain.map { Data($0.der).base64EncodedString() }, policy: policy, csr: csr,
                                         requestID: try SecureRandom.hexIdentifier(), imported: imported)
        let der = try KeyRules.crypto { try key.privateDER() }
        let sealed = try der.withUnsafeBytes {
            try AESGCM.seal($0, key: try dataKey(for: v),
                            associatedData: VaultEngine.valueAAD(vaultID: v.id, kind: .certificate, name: object.name, version: version))
        }
        let record = VersionRecord(objectID: object.id, version: version, created: now, updated: now, enabled: enabled,
                                   notBefore: leaf?.notBefore, expires: leaf?.notAfter,
                                   contentType: policy.secretProperties.contentType, tags: tags, sealedValue: sealed, valueLength: 0,
                                   details: try details.encoded())
        try tx.insertVersion(record)
        if let leaf {
            try writeManagedParts(tx, vault: v, name: object.name, version: version, key: key, leaf: leaf, chain: chain, policy: policy,
                                  enabled: enabled, tags: tags, imported: imported)
        }
        return (object, record)
    }

    /// Writes version `version` of the managed key (a normal key version: sealed PKCS#8 plus public details,
    /// key_ops from the key usage) and of the managed secret (PEM or base64 PFX), creating them if new.
    func writeManagedParts(_ tx: any StoreTransaction, vault v: VaultRecord, name: String, version: String, key: PrivateKey,
                           leaf: X509Certificate, chain: [X509Certificate], policy: CertificatePolicy, enabled: Bool,
                           tags: [String: String], imported: Bool) throws {
        let now = clock.now()
        let usage = policy.x509CertificateProperties.keyUsage ?? leaf.keyUsage
        let keyOps = CertificateRules.keyOperations(usage, keyType: key.keyType)
        let keyDetails = try KeyRules.crypto { try KeyDetails(publicKey: key.publicKey, keyOps: keyOps, imported: imported) }
        let der = try KeyRules.crypto { try key.privateDER() }
        let sealedKey = try der.withUnsafeBytes {
            try AESGCM.seal($0, key: try dataKey(for: v), associatedData: VaultEngine.valueAAD(vaultID: v.id, kind: .key, name: name, version: version))
        }
        let value = try KeyRules.crypto { try CertificateRules.secretValue(policy, key: key, leaf: leaf, chain: chain) }
        let sealedSecret = try value.withUnsafeBytes {
            try AESGCM.seal($0, key: try dataKey(for: v), associatedData: VaultEngine.valueAAD(vaultID: v.id, kind: .secret, name: name, version: version))
        }
        let parts: [(ObjectKind, [UInt8], Int, String?, String?)] = [
            (.key, sealedKey, 0, nil, try keyDetails.encoded()),
            (.secret, sealedSecret, value.count, policy.secretProperties.contentType, nil),
        ]
        for (kind, sealed, length, contentType, details) in parts {
            var object: ObjectRecord
            if let existing = try tx.object(vaultID: v.id, kind: kind, nameKey: Names.key(name)) {
                object = existing
                object.currentVersion = version
                try tx.updateObject(object)
            } else {
                object = ObjectRecord(id: 0, vaultID: v.id, kind: kind, name: name, currentVersion: version, created: now,
                                      deletedDate: nil, scheduledPurgeDate: nil, managed: true)
                object.id = try tx.insertObject(object)
            }
            try tx.insertVersion(VersionRecord(objectID: object.id, version: version, created: now, updated: now, enabled: enabled,
                                               notBefore: leaf.notBefore, expires: leaf.notAfter, contentType: contentType, tags: tags,
                                               sealedValue: sealed, valueLength: length, details: details))
        }
    }

    // MARK: reading

    /// The newest pending version of a certificate, if any.
    func pendingVersion(of object: ObjectRecord, tx: any StoreTransaction) throws -> (VersionRecord, CertificateDetails)? {
        for record in try tx.versions(objectID: object.id).reversed() {
            let details = try CertificateDetails.decode(record.details)
            if details.status == CertificateDetails.pending { return (record, details) }
        }
        return nil
    }

    /// The private key sealed in a certificate version row.
    func certificateKey(_ object: ObjectRecord, _ record: VersionRecord, vault: VaultRecord) throws -> PrivateKey {
        let aad = VaultEngine.valueAAD(vaultID: vault.id, kind: .certificate, name: object.name, version: record.version)
        guard let sealed = record.sealedValue, let der = try AESGCM.open(sealed, key: try dataKey(for: vault), associatedData: aad) else {
            logger.warning("integrity check failed", metadata: ["vault": "\(vault.name)", "certificate": "\(object.name)", "version": "\(record.version)"])
            throw VaultError(.corrupted, "Certificate '\(object.name)' version \(record.version) failed its integrity check; the store may be damaged.")
        }
        return try KeyRules.crypto { try PrivateKey(privateDER: der) }
    }

    func replacePolicy(_ policy: CertificatePolicy, of object: ObjectRecord, tx: any StoreTransaction) throws {
        var record = try versionRecord(of: object, nil, tx: tx)
        var details = try CertificateDetails.decode(record.details)
        details.policy = policy
        record.details = try details.encoded()
        record.updated = clock.now()
        try tx.updateVersion(record)
    }

    func certificateBundle(_ object: ObjectRecord, _ record: VersionRecord, vault: VaultRecord) throws -> CertificateBundle {
        let details = try CertificateDetails.decode(record.details)
        let leaf = try details.leaf()
        let issuers = try details.issuers()
        let base = "/vaults/\(vault.name)"
        return CertificateBundle(properties: properties(object, record, vault: vault),
                                 id: "\(base)/certificates/\(object.name)/\(record.version)",
                                 kid: "\(base)/keys/\(object.name)/\(record.version)",
                                 sid: "\(base)/secrets/\(object.name)/\(record.version)",
                                 x5t: leaf.map { Base64URL.encode($0.sha1Thumbprint) } ?? "",
                                 cer: leaf?.der ?? [], chain: issuers.map(\.der), policy: details.policy, status: details.status,
                                 csr: details.csr, subject: leaf?.subject ?? details.policy.x509CertificateProperties.subject,
                                 issuer: leaf?.issuer ?? "", serialNumber: leaf?.serialNumber ?? "")
    }

    func operation(_ vault: VaultRecord, _ object: ObjectRecord, _ details: CertificateDetails) -> CertificateOperation {
        let body = details.csr.map { PEMBlocks.blocks(in: $0).first.map { Data($0.der).base64EncodedString() } ?? "" }
        return CertificateOperation(id: "/vaults/\(vault.name)/certificates/\(object.name)/pending",
                                    issuerParameters: details.policy.issuerParameters, csr: body,
                                    cancellationRequested: false, status: details.status,
                                    statusDetails: details.status == CertificateDetails.pending ? "Pending certificate created. Please merge the signed certificate." : nil,
                                    target: "/vaults/\(vault.name)/certificates/\(object.name)", requestId: details.requestID)
    }
}
