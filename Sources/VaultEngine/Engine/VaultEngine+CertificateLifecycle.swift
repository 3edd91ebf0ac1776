import Foundation

/// A certificate's managed key and secret live and die with it, and auto-renewal.
extension VaultEngine {
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
    /// through `purgeExpired()`; failures of one certificate do not stop the others.
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
        try audited("CertificateRenew", .system, vault: vault, kind: .certificate, object: name) { draft in
            draft.note = "automatic renewal: the policy's AutoRenew lifetime action is due"
            let (policy, kept, enabled, tags) = try backend.read { tx -> (CertificatePolicy, PrivateKey?, Bool, [String: String]) in
                let v = try liveVault(vault, in: tx)
                let object = try liveObject(.certificate, name, in: v, tx: tx)
                let record = try versionRecord(of: object, nil, tx: tx)
                let policy = try CertificateDetails.decode(record.details).policy
                return (policy, policy.keyProperties.reuseKey ? try certificateKey(object, record, vault: v) : nil, record.enabled, record.tags)
            }
            let (key, leaf, csr) = try issueMaterial(policy, reusing: kept)
            try backend.write { tx in
                let v = try liveVault(vault, in: tx)
                let object = try liveObject(.certificate, name, in: v, tx: tx)
                guard try pendingVersion(of: object, tx: tx) == nil else { return }
                let version = try SecureRandom.hexIdentifier()
                draft.version = version
                _ = try storeCertificateVersion(tx, vault: v, name: object.name, existing: object, version: version, key: key, leaf: leaf,
                                                chain: [], policy: policy, csr: csr, enabled: enabled, tags: tags, imported: false)
                try commitAudit(draft, in: tx)
            }
        }
    }
}
