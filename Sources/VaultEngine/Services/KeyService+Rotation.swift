import Foundation

/// Key rotation policies (Azure's GetKeyRotationPolicy / UpdateKeyRotationPolicy) and their enforcement by
/// housekeeping: automatic rotation, and expiry announcements recorded in the audit log.
extension KeyService {
    /// The key's rotation policy (an empty one when none was set). Needs `keyrotationpolicies/read`.
    /// - Throws: `.notFound`, `.accessDenied`, `.corrupted`.
    public func rotationPolicy(vault: String, name: String, as caller: Caller) throws -> KeyRotationPolicyBundle {
        try context.run(.keyRotationPolicyGet, caller, vault: vault, name: name) { step in
            let row = try step.tx.rotationPolicy(objectID: step.object.id)
            return KeyRotationPolicyBundle(id: rotationPolicyID(step), policy: try row.map(decodePolicy) ?? KeyRotationPolicy(),
                                           created: row?.created, updated: row?.updated)
        }
    }

    /// Sets the key's rotation policy; it governs later versions (its expiryTime applies to versions rotation
    /// makes, by housekeeping or `rotate`). Needs `keyrotationpolicies/write`; a certificate's managed key
    /// is refused (it follows the certificate's policy).
    /// - Throws: `.invalidArgument`, `.notFound`, `.accessDenied`, `.forbidden` (managed key).
    @discardableResult
    public func updateRotationPolicy(vault: String, name: String, _ policy: KeyRotationPolicy, as caller: Caller) throws -> KeyRotationPolicyBundle {
        try context.run(.keyRotationPolicySet, caller, vault: vault, name: name, checking: { try KeyRotationRules.validate(policy) }) { step in
            let now = context.clock.now()
            let existing = try step.tx.rotationPolicy(objectID: step.object.id)
            let body = String(decoding: try JSONEncoder().encode(policy), as: UTF8.self)
            let row = RotationPolicyRecord(objectID: step.object.id, body: body, notifiedVersion: existing?.notifiedVersion,
                                           created: existing?.created ?? now, updated: now)
            try step.tx.putRotationPolicy(row)
            return KeyRotationPolicyBundle(id: rotationPolicyID(step), policy: policy, created: row.created, updated: row.updated)
        }
    }

    private func rotationPolicyID(_ step: ObjectStep) -> String {
        VaultObjectID(.key, vault: step.vault.name, name: step.object.name, version: "rotationpolicy", dnsSuffix: context.dnsSuffix).description
    }

    func decodePolicy(_ row: RotationPolicyRecord) throws -> KeyRotationPolicy {
        guard let policy = try? JSONDecoder().decode(KeyRotationPolicy.self, from: Data(row.body.utf8)) else {
            throw VaultError(.corrupted, "A key's stored rotation policy is unreadable; the store may be damaged.")
        }
        return policy
    }

    /// Rotates every live key whose rotation policy's Rotate action is due for its current version (a new
    /// version with the same type and size, expiring after the policy's expiryTime), and records a
    /// KeyNearExpiry line once per version whose Notify action is due. Every line names the system as caller;
    /// a key that fails is logged and skipped.
    /// - Returns: the rotated keys as `vault/name`.
    /// - Throws: store errors while finding what is due.
    @discardableResult
    func rotateDueKeys() throws -> [String] {
        let now = context.clock.now()
        let (rotations, notices): ([(String, String)], [(String, String)]) = try context.backend.read { tx in
            let policies = Dictionary(try tx.rotationPolicies().map { ($0.objectID, $0) }, uniquingKeysWith: { a, _ in a })
            guard !policies.isEmpty else { return ([], []) }
            var rotations: [(String, String)] = [], notices: [(String, String)] = []
            for vault in try tx.vaults() where vault.deletedDate == nil {
                for object in try tx.objects(vaultID: vault.id, kind: .key, deleted: false) where !object.managed {
                    guard let row = policies[object.id], let policy = try? decodePolicy(row),
                          let record = try tx.version(objectID: object.id, version: object.currentVersion) else { continue }
                    if let due = KeyRotationRules.rotationDue(policy, created: record.created, expires: record.expires), due <= now {
                        rotations.append((vault.name, object.name))
                    } else if row.notifiedVersion != record.version,
                              let due = KeyRotationRules.notificationDue(policy, created: record.created, expires: record.expires), due <= now {
                        notices.append((vault.name, object.name))
                    }
                }
            }
            return (rotations, notices)
        }
        var rotated: [String] = []
        for (vault, name) in rotations {
            do {
                try rotateByPolicy(vault: vault, name: name)
                rotated.append("\(vault)/\(name)")
            } catch {
                context.logger.error("automatic key rotation failed", metadata: ["vault": "\(vault)", "key": "\(name)", "error": "\(error)"])
            }
        }
        for (vault, name) in notices {
            do {
                try announceExpiry(vault: vault, name: name)
            } catch {
                context.logger.error("key expiry notice failed", metadata: ["vault": "\(vault)", "key": "\(name)", "error": "\(error)"])
            }
        }
        return rotated
    }

    private func rotateByPolicy(vault: String, name: String) throws {
        var tags: [String: String] = [:]
        var policy: KeyRotationPolicy?
        var release = KeyReleaseOptions()
        _ = try storeNewVersion(.keyRotateByPolicy, .system, vault: vault, name: name, attributes: nil, imported: false,
                                release: { release }, reading: { step in
            guard let existing = step.existing else { throw VaultError(.objectNotFound(.key), "Key '\(Names.printable(name))' was not found.") }
            step.draft.note = "automatic rotation: the rotation policy's Rotate action is due"
            let record = try context.versionRecord(of: existing, nil, tx: step.tx)
            tags = record.tags
            policy = try step.tx.rotationPolicy(objectID: existing.id).map(decodePolicy)
            let details = try KeyDetails.decode(record.details)
            release = details.release
            return details
        }, making: newKey) { NewVersionAttributes(expires: KeyRotationRules.expiry(policy, from: context.clock.now()), tags: tags) }
    }

    private func announceExpiry(vault: String, name: String) throws {
        try context.run(.keyNearExpiry, .system, vault: vault, name: name) { step in
            guard var row = try step.tx.rotationPolicy(objectID: step.object.id), row.notifiedVersion != step.record.version else { return }
            step.draft.version = step.record.version
            step.draft.note = "the rotation policy's Notify action is due: the current version expires"
                + (step.record.expires.map { " at \(ISO8601DateFormatter().string(from: $0))" } ?? "")
            row.notifiedVersion = step.record.version
            try step.tx.putRotationPolicy(row)
        }
    }

    /// A new private key of the same type and size as `details`, with the same key_ops.
    func newKey(_ details: KeyDetails) throws -> (PrivateKey, [KeyOperation]) {
        let privateKey = try KeyRules.crypto {
            switch try details.parameters() {
            case .rsa(let bits): try PrivateKey.generate(rsa: bits, exponent: details.publicExponent ?? RSAKeySize.defaultExponent)
            case .ec(let curve): try PrivateKey.generate(curve: curve)
            }
        }
        return (privateKey, details.operations)
    }
}
