/// Every operation the engine performs, each declared once: Azure's operationName, the right, the target and
/// how it touches the store. A new operation is one line here and one service method that runs it
/// (docs/architecture.md, "How to add an operation").
extension Operation {
    // MARK: the lifecycle every object family shares

    /// `SecretGetMetadata`, `KeyGetMetadata`, `CertificateGetMetadata`: a version's properties.
    static func getMetadata(_ kind: ObjectKind) -> Operation {
        Operation(name: "\(kind.displayName)GetMetadata", kind: kind, right: .data([kind.readMetadataAction]), target: .liveObject)
    }

    /// `SecretGet`, `KeyGet`…, as a refused inspection (a `stat`) is audited.
    static func inspect(_ kind: ObjectKind) -> Operation {
        Operation(name: "\(kind.displayName)Get", kind: kind, right: .data(kind.allActions), target: .liveObject)
    }

    static func list(_ kind: ObjectKind) -> Operation {
        Operation(name: "\(kind.displayName)List", kind: kind, right: .data([kind.readMetadataAction]), target: .vault)
    }

    static func listVersions(_ kind: ObjectKind) -> Operation {
        Operation(name: "\(kind.displayName)ListVersions", kind: kind, right: .data([kind.readMetadataAction]), target: .liveObject)
    }

    static func update(_ kind: ObjectKind) -> Operation {
        Operation(name: "\(kind.displayName)Update", kind: kind, right: .data([kind.updateAction]), target: .liveObject,
                  writes: true, recordsVersion: true, managedVerb: "updated")
    }

    static func delete(_ kind: ObjectKind) -> Operation {
        Operation(name: "\(kind.displayName)Delete", kind: kind, right: .data([kind.deleteAction]), target: .liveObject,
                  writes: true, managedVerb: "deleted")
    }

    static func listDeleted(_ kind: ObjectKind) -> Operation {
        Operation(name: "\(kind.displayName)ListDeleted", kind: kind, right: .data([kind.readMetadataAction]), target: .vault)
    }

    static func getDeleted(_ kind: ObjectKind) -> Operation {
        Operation(name: "\(kind.displayName)GetDeleted", kind: kind, right: .data([kind.readMetadataAction]), target: .deletedObject)
    }

    static func recover(_ kind: ObjectKind) -> Operation {
        Operation(name: "\(kind.displayName)Recover", kind: kind, right: .data([kind.recoverAction]), target: .deletedObject,
                  writes: true, purgesDue: true, managedVerb: "recovered")
    }

    static func purge(_ kind: ObjectKind) -> Operation {
        Operation(name: "\(kind.displayName)Purge", kind: kind, right: .data([kind.purgeAction]), target: .deletedObject,
                  writes: true, purgesDue: true, managedVerb: "purged")
    }

    static func backup(_ kind: ObjectKind) -> Operation {
        Operation(name: "\(kind.displayName)Backup", kind: kind, right: .data([kind.backupAction]), target: .liveObject)
    }

    static func restore(_ kind: ObjectKind) -> Operation {
        Operation(name: "\(kind.displayName)Restore", kind: kind, right: .data([kind.restoreAction]), target: .vault,
                  writes: true, purgesDue: true)
    }

    // MARK: secrets

    static let secretSet = Operation(name: "SecretSet", kind: .secret, right: .data([DataAction.Secrets.setSecret]),
                                     target: .newVersion, writes: true, purgesDue: true, managedVerb: "set")
    static let secretGet = Operation(name: "SecretGet", kind: .secret, right: .data([DataAction.Secrets.getSecret]),
                                     target: .liveObject, cached: true, recordsVersion: true)

    // MARK: keys

    /// Checked before a key is generated (outside the write) and again inside it.
    static let keyCreate = Operation(name: "KeyCreate", kind: .key, right: .data([DataAction.Keys.create]), target: .newVersion,
                                     writes: true, purgesDue: true, managedVerb: "replaced")
    static let keyImport = Operation(name: "KeyImport", kind: .key, right: .data([DataAction.Keys.import]), target: .newVersion,
                                     writes: true, purgesDue: true, managedVerb: "replaced")
    /// A new version of an existing key (`.liveObject`: decided as an operation on the key, which must exist).
    static let keyRotate = Operation(name: "KeyRotate", kind: .key, right: .data([DataAction.Keys.rotate]), target: .liveObject,
                                     writes: true, purgesDue: true, managedVerb: "rotated")
    /// Azure's key release: decided on keys/release, then refused after the key's state (`KeyReleaseRules`).
    static let keyRelease = Operation(name: "KeyRelease", kind: .key, right: .data([DataAction.Keys.release]), target: .liveObject)
    static let keyRotationPolicyGet = Operation(name: "KeyRotationPolicyGet", kind: .key, right: .data([DataAction.Keys.rotationPolicyRead]),
                                                target: .liveObject)
    static let keyRotationPolicySet = Operation(name: "KeyRotationPolicySet", kind: .key, right: .data([DataAction.Keys.rotationPolicyWrite]),
                                                target: .liveObject, writes: true, managedVerb: "given a rotation policy")
    /// Housekeeping's rotation of a key whose rotation policy's Rotate action is due (caller: the system).
    static let keyRotateByPolicy = Operation(name: "KeyRotate", kind: .key, right: .decidedByBody, target: .liveObject,
                                             writes: true, purgesDue: true, managedVerb: "rotated")
    /// Housekeeping's announcement that a key version nears its expiry (a Notify action; Azure's event name).
    static let keyNearExpiry = Operation(name: "KeyNearExpiry", kind: .key, right: .decidedByBody, target: .liveObject, writes: true,
                                         recordsVersion: true)
    static let keyGet = Operation(name: "KeyGet", kind: .key, right: .data([DataAction.Keys.read]), target: .liveObject,
                                  recordsVersion: true)
    static let keyUpdate = Operation(name: "KeyUpdate", kind: .key, right: .data([DataAction.Keys.update]), target: .liveObject,
                                     writes: true, recordsVersion: true, managedVerb: "updated")

    /// `KeySign`, `KeyVerify`, `KeyEncrypt`, `KeyDecrypt`, `KeyWrap`, `KeyUnwrap`: the actions any one of which
    /// allows the operation come from `KeyOperationRules`.
    static func keyOperation(_ op: KeyOperation) -> Operation {
        Operation(name: KeyOperationRules.operationName(op), kind: .key, right: .data(KeyOperationRules.actions(for: op)),
                  target: .liveObject, cached: true, recordsVersion: true)
    }

    // MARK: certificates

    static let certificateCreate = Operation(name: "CertificateCreate", kind: .certificate,
                                             right: .data([DataAction.Certificates.create]), target: .newVersion,
                                             writes: true, purgesDue: true)
    static let certificateImport = Operation(name: "CertificateImport", kind: .certificate,
                                             right: .data([DataAction.Certificates.import]), target: .newVersion,
                                             writes: true, purgesDue: true)
    static let certificateGet = Operation(name: "CertificateGet", kind: .certificate, right: .data([DataAction.Certificates.read]),
                                          target: .liveObject, recordsVersion: true)
    static let certificatePolicyGet = Operation(name: "CertificatePolicyGet", kind: .certificate,
                                                right: .data([DataAction.Certificates.read]), target: .liveObject)
    static let certificatePolicyUpdate = Operation(name: "CertificatePolicyUpdate", kind: .certificate,
                                                   right: .data([DataAction.Certificates.update]), target: .liveObject, writes: true)
    static let certificateUpdate = Operation(name: "CertificateUpdate", kind: .certificate,
                                             right: .data([DataAction.Certificates.update]), target: .liveObject,
                                             writes: true, recordsVersion: true)
    static let certificatePendingGet = Operation(name: "CertificatePendingGet", kind: .certificate,
                                                 right: .data([DataAction.Certificates.read]), target: .liveObject)
    /// Azure's DeletePendingCertificate: abandons a pending creation (`certificates/update`, as Azure's spec says).
    static let certificatePendingDelete = Operation(name: "CertificatePendingDelete", kind: .certificate,
                                                    right: .data([DataAction.Certificates.update]), target: .liveObject, writes: true)
    static let certificatePendingMerge = Operation(name: "CertificatePendingMerge", kind: .certificate,
                                                   right: .data([DataAction.Certificates.create]), target: .liveObject, writes: true)
    // Certificate contacts and issuers: per vault, decided at the certificates collection of the vault (an
    // assignment on one certificate does not reach them). Reading contacts needs the write action too, as in
    // Azure, where managecontacts covers both.
    static let certificateContactsGet = Operation(name: "CertificateContactsGet", kind: .certificate,
                                                  right: .data([DataAction.Certificates.contactsWrite]), target: .vault)
    static let certificateContactsSet = Operation(name: "CertificateContactsSet", kind: .certificate,
                                                  right: .data([DataAction.Certificates.contactsWrite]), target: .vault, writes: true)
    static let certificateContactsDelete = Operation(name: "CertificateContactsDelete", kind: .certificate,
                                                     right: .data([DataAction.Certificates.contactsWrite]), target: .vault, writes: true)
    static let certificateIssuerGet = Operation(name: "CertificateIssuerGet", kind: .certificate,
                                                right: .data([DataAction.Certificates.issuersRead]), target: .vault)
    static let certificateIssuersList = Operation(name: "CertificateIssuersList", kind: .certificate,
                                                  right: .data([DataAction.Certificates.issuersRead]), target: .vault)
    static let certificateIssuerSet = Operation(name: "CertificateIssuerSet", kind: .certificate,
                                                right: .data([DataAction.Certificates.issuersWrite]), target: .vault, writes: true)
    static let certificateIssuerDelete = Operation(name: "CertificateIssuerDelete", kind: .certificate,
                                                   right: .data([DataAction.Certificates.issuersDelete]), target: .vault, writes: true)
    /// Housekeeping's renewal of a certificate whose AutoRenew lifetime action is due (caller: the system).
    static let certificateRenew = Operation(name: "CertificateRenew", kind: .certificate, right: .decidedByBody,
                                            target: .liveObject, writes: true, purgesDue: true)

    // MARK: vaults (management plane)

    static let vaultCreate = Operation(name: "VaultPut", kind: nil, right: .owner("create vaults"), target: .store,
                                       writes: true, changesAccess: true, purgesDue: true)
    /// The Owner sees every vault; a caller holding a role in it sees it too (decided in the body).
    static let vaultGet = Operation(name: "VaultGet", kind: nil, right: .decidedByBody, target: .store)
    static let vaultList = Operation(name: "VaultList", kind: nil, right: .decidedByBody, target: .store)
    static let vaultListDeleted = Operation(name: "VaultListDeleted", kind: nil, right: .owner("list deleted vaults"), target: .store)
    static let vaultUpdate = Operation(name: "VaultPatch", kind: nil, right: .owner("update vaults"), target: .vault,
                                       writes: true, changesAccess: true)
    static let vaultDelete = Operation(name: "VaultDelete", kind: nil, right: .owner("delete vaults"), target: .vault,
                                       writes: true, changesAccess: true)
    static let vaultRecover = Operation(name: "VaultRecover", kind: nil, right: .owner("recover vaults"), target: .store,
                                        writes: true, changesAccess: true, purgesDue: true)
    static let vaultPurge = Operation(name: "VaultPurge", kind: nil, right: .owner("purge vaults"), target: .store,
                                      writes: true, changesAccess: true, purgesDue: true)
    /// Needs every family's backup action at vault scope (decided in the body, one family after another, before
    /// the body looks up the vault: the target is the store, so a caller without the rights learns nothing).
    static let vaultBackup = Operation(name: "VaultBackup", kind: nil, right: .decidedByBody, target: .store)
    static let vaultRestore = Operation(name: "VaultRestore", kind: nil, right: .decidedByBody, target: .store,
                                        writes: true, purgesDue: true)
    static let realmExport = Operation(name: "RealmExport", kind: nil, right: .owner("export the realm key"), target: .store)

    // MARK: the audit log

    /// The Owner, or a Key Vault Audit Reader (of the store, or of the vaults whose lines it reads).
    static let auditRead = Operation(name: "AuditLogRead", kind: nil, right: .decidedByBody, target: .store)
    static let auditVerify = Operation(name: "AuditLogVerify", kind: nil, right: .decidedByBody, target: .store)
    static let auditPrune = Operation(name: "AuditLogPrune", kind: nil, right: .owner("prune the audit log"), target: .store,
                                      writes: true)

    // MARK: principals and role assignments

    static let principalCreate = Operation(name: "PrincipalCreate", kind: nil, right: .owner("create principals"), target: .store,
                                           writes: true, changesAccess: true)
    static let principalList = Operation(name: "PrincipalList", kind: nil, right: .owner("list principals"), target: .store)
    static let principalDelete = Operation(name: "PrincipalDelete", kind: nil, right: .owner("delete principals"), target: .store,
                                           writes: true, changesAccess: true)
    /// The Owner, or a Key Vault Data Access Administrator at a covering scope for the roles it may delegate.
    static let assignmentCreate = Operation(name: "RoleAssignmentCreate", kind: nil, right: .decidedByBody, target: .store,
                                            writes: true, changesAccess: true)
    static let assignmentList = Operation(name: "RoleAssignmentList", kind: nil, right: .decidedByBody, target: .store)
    static let assignmentDelete = Operation(name: "RoleAssignmentDelete", kind: nil, right: .decidedByBody, target: .store,
                                            writes: true, changesAccess: true)
}
