import Foundation

/// A certificate's managed key and secret live and die with it, and auto-renewal.
extension EngineContext {
    /// Applies a soft delete, recovery or purge of certificate `object` to its managed key and secret (the
    /// rows of the same name with `managed` set). Called inside the certificate's own transaction.
    func cascadeToManagedParts(of object: ObjectRecord, in tx: any StoreTransaction, purge: Bool = false) throws {
        guard object.kind == .certificate else { return }
        for kind in [ObjectKind.key, .secret] {
            guard var linked = try tx.object(vaultID: object.vaultID, kind: kind, nameKey: object.nameKey), linked.managed else { continue }
            if purge {
                try tx.removeObject(id: linked.id)
            } else {
                linked.deletedDate = object.deletedDate
                linked.scheduledPurgeDate = object.scheduledPurgeDate
                try tx.updateObject(linked)
            }
        }
    }

    /// Renews every certificate whose policy has an `AutoRenew` lifetime action that is due for its current
    /// version (at a percentage of its lifetime, or some days before it expires): a new version from the
    /// policy, reusing the key when the policy says so. An `Unknown` issuer gets a new pending creation (a
    /// CSR) instead. Each renewal is audited as CertificateRenew by the system. The mount's timer calls this
    /// through `Housekeeping.run()`; failures of one certificate do not stop the others.
    /// - Returns: the renewed certificates as `vault/name`.
    /// - Throws: store errors while finding what is due.
    @discardableResult
    public func renewDueCertificates() throws -> [String] {
        let now = clock.now()
        let due: [(String, String)] = try backend.read { tx in
            var result: [(String, String)] = []
            for vault in try tx.vaults() where vault.deletedDate == nil {
                for object in try tx.objects(vaultID: vault.id, kind: .certificate, deleted: false) {
                    guard let record = try tx.version(objectID: object.id, version: object.currentVersion),
                          let details = try? CertificateDetails.decode(record.details),
                          details.status == CertificateDetails.completed,
                          let notBefore = record.notBefore, let notAfter = record.expires,
                          try pendingVersion(of: object, tx: tx) == nil else { continue }
                    let dueDates = details.policy.lifetimeActions.filter(\.isAutoRenew)
                        .compactMap { $0.dueDate(notBefore: notBefore, notAfter: notAfter) }
                    if let first = dueDates.min(), first <= now { result.append((vault.name, object.name)) }
                }
            }
            return result
        }
        var renewed: [String] = []
        for (vault, name) in due {
            do {
                try renewCertificate(vault: vault, name: name)
                renewed.append("\(vault)/\(name)")
            } catch {
                logger.error("automatic certificate renewal failed", metadata: ["vault": "\(vault)", "certificate": "\(name)", "error": "\(error)"])
            }
        }
        return renewed
    }

    private func renewCertificate(vault: String, name: String) throws {
        try run(.certificateRenew, .system, vault: vault, name: name, reading: { step in
            step.draft.note = "automatic renewal: the policy's AutoRenew lifetime action is due"
            let policy = try CertificateDetails.decode(step.record.details).policy
            let kept = policy.keyProperties.reuseKey ? try certificateKey(step.object, step.record, vault: step.vault) : nil
            return (policy, kept, step.record.enabled, step.record.tags)
        }, making: { read in
            (read.0, try issueMaterial(read.0, reusing: read.1), read.2, read.3)
        }) { step, prepared in
            let (policy, material, enabled, tags) = prepared
            guard try pendingVersion(of: step.object, tx: step.tx) == nil else { return }
            let version = try SecureRandom.hexIdentifier()
            step.draft.version = version
            _ = try storeCertificateVersion(step.tx, vault: step.vault, name: step.object.name, existing: step.object, version: version,
                                            key: material.key, leaf: material.leaf, chain: [], policy: policy, csr: material.csr,
                                            enabled: enabled, tags: tags, imported: false)
        }
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

    /// What a new certificate version needs beyond `newVersionStep`'s checks: no creation pending, and for a new
    /// name no key or secret of that name.
    func refuseCertificateConflicts(_ step: NewVersionStep, name: String) throws {
        if let existing = step.existing {
            if try pendingVersion(of: existing, tx: step.tx) != nil {
                throw VaultError(.pendingCreation, "Certificate \(existing.name) has a pending creation; merge or abandon it first.")
            }
        } else {
            try refuseForeignNames(name, vault: step.vault, tx: step.tx)
        }
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
                            associatedData: EngineContext.valueAAD(vaultID: v.id, kind: .certificate, name: object.name, version: version))
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
            try AESGCM.seal($0, key: try dataKey(for: v), associatedData: EngineContext.valueAAD(vaultID: v.id, kind: .key, name: name, version: version))
        }
        let value = try KeyRules.crypto { try CertificateRules.secretValue(policy, key: key, leaf: leaf, chain: chain) }
        let sealedSecret = try value.withUnsafeBytes {
            try AESGCM.seal($0, key: try dataKey(for: v), associatedData: EngineContext.valueAAD(vaultID: v.id, kind: .secret, name: name, version: version))
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
        let der = try openValue(of: object, record, in: vault)
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
        return CertificateBundle(properties: properties(object, record, vault: vault),
                                 id: id(.certificate, vault: vault.name, name: object.name, version: record.version).description,
                                 kid: id(.key, vault: vault.name, name: object.name, version: record.version).description,
                                 sid: id(.secret, vault: vault.name, name: object.name, version: record.version).description,
                                 x5t: leaf.map { Base64URL.encode($0.sha1Thumbprint) } ?? "",
                                 cer: leaf?.der ?? [], chain: issuers.map(\.der), policy: details.policy, status: details.status,
                                 csr: details.csr, subject: leaf?.subject ?? details.policy.x509CertificateProperties.subject,
                                 issuer: leaf?.issuer ?? "", serialNumber: leaf?.serialNumber ?? "")
    }

    func operation(_ vault: VaultRecord, _ object: ObjectRecord, _ details: CertificateDetails) -> CertificateOperation {
        let body = details.csr.map { PEMBlocks.blocks(in: $0).first.map { Data($0.der).base64EncodedString() } ?? "" }
        return CertificateOperation(id: VaultObjectID.pendingOperation(vault: vault.name, certificate: object.name, dnsSuffix: dnsSuffix).description,
                                    issuerParameters: details.policy.issuerParameters, csr: body,
                                    cancellationRequested: false, status: details.status,
                                    statusDetails: details.status == CertificateDetails.pending ? "Pending certificate created. Please merge the signed certificate." : nil,
                                    target: id(.certificate, vault: vault.name, name: object.name, version: nil).description, requestId: details.requestID)
    }
}
