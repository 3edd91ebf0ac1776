/// Every failure the engine reports: a typed `reason`, a message that says what went wrong and how to fix it,
/// and an optional underlying cause. Equality compares the coarse `code` only, so tests can build the
/// expected error.
///
/// Front-ends never read the message or Azure's code to decide anything: each maps `reason` in one table of
/// its own (VaultFS: errno; the CLI: exit codes; the REST server: HTTP status).
/// Messages name objects and vaults but never carry a secret value or key material.
public struct VaultError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The coarse kind of failure, derived from the reason.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case notFound, accessDenied, forbidden, conflict, deletedButRecoverable, purgeProtected
            case invalidArgument, tooLarge, storeMissing, storeExists, wrongMasterKey, corrupted, storeFailure, unsupported
            case interrupted
        }
        let value: Value
        /// The object, vault or store does not exist (or is soft-deleted, for reads).
        public static let notFound = Code(value: .notFound)
        /// No role assignment grants the action (Azure's ForbiddenByRbac).
        public static let accessDenied = Code(value: .accessDenied)
        /// The caller may act, but the object's state refuses it (a disabled secret, a managed object).
        public static let forbidden = Code(value: .forbidden)
        /// The name is taken, or the request collides with the object's state.
        public static let conflict = Code(value: .conflict)
        /// The name belongs to a soft-deleted object (Azure's ObjectIsDeletedButRecoverable).
        public static let deletedButRecoverable = Code(value: .deletedButRecoverable)
        /// Purge refused: purge protection is on and the retention period has not passed.
        public static let purgeProtected = Code(value: .purgeProtected)
        /// A malformed name, value, date or option.
        public static let invalidArgument = Code(value: .invalidArgument)
        /// A value beyond Azure's size limit.
        public static let tooLarge = Code(value: .tooLarge)
        /// There is no store at the given place.
        public static let storeMissing = Code(value: .storeMissing)
        /// `init` found a store already there.
        public static let storeExists = Code(value: .storeExists)
        /// The master key does not open this store.
        public static let wrongMasterKey = Code(value: .wrongMasterKey)
        /// A record failed its integrity check or does not parse.
        public static let corrupted = Code(value: .corrupted)
        /// The database or the file system failed.
        public static let storeFailure = Code(value: .storeFailure)
        /// The caller gave up (its request was interrupted); what had not run did not run.
        public static let interrupted = Code(value: .interrupted)
        /// A well-formed request for something kvfs does not do (a key release).
        public static let unsupported = Code(value: .unsupported)

        public var description: String { value.rawValue }
    }

    /// Why the engine refused or failed. Every front-end maps these in one exhaustive table.
    public enum Reason: Hashable, Sendable {
        // Something is not there.
        /// Something the request names does not exist (no more specific reason applies).
        case notFound
        /// No live vault of that name.
        case vaultNotFound
        /// No soft-deleted vault of that name.
        case deletedVaultNotFound
        /// No live (or, for deleted-object calls, soft-deleted) object or version of that name.
        case objectNotFound(ObjectKind)
        /// The certificate has no pending creation.
        case pendingCertificateNotFound
        /// No principal of that name.
        case principalNotFound
        /// No role assignment with that id.
        case assignmentNotFound
        // The caller may not.
        /// No data-plane role assignment grants the action (Azure's ForbiddenByRbac).
        case accessDenied
        /// A management-plane right is missing (Azure's AuthorizationFailed).
        case managementDenied
        /// A Key Vault Data Access Administrator asked to assign or remove a role its condition does not let it
        /// delegate (Azure's ABAC condition on the role: Administrator-level roles, Certificate User, Crypto
        /// Service Release User, Data Access Administrator itself, kvfs's Audit Reader). The caller holds the
        /// right to manage assignments there; the condition refuses this role.
        case roleNotDelegable
        // The object's state refuses the request.
        /// The version is disabled (Azure's SecretDisabled, KeyDisabled, CertificateDisabled).
        case disabled(ObjectKind)
        /// The key's key_ops do not permit the operation.
        case keyOperationNotPermitted
        /// Before the key's not-before date.
        case keyNotYetValid
        /// At or after the key's expiry date.
        case keyExpired
        /// A key or secret managed by its certificate cannot be changed directly.
        case managedByCertificate
        /// Any other state refusal.
        case forbidden
        /// An object purge refused by purge protection.
        case purgeProtected
        /// A vault purge refused by purge protection.
        case vaultPurgeProtected
        // The request collides with what exists.
        /// Any other collision.
        case conflict
        /// The vault name is taken (live or soft-deleted).
        case vaultExists
        /// The principal already holds that role at that scope.
        case assignmentExists
        /// The certificate has a pending creation.
        case pendingCreation
        /// The name belongs to a soft-deleted object.
        case deletedButRecoverable
        // The request is malformed.
        /// A malformed name, value, date, option or request.
        case invalidArgument
        /// A vault name that breaks Azure's rule.
        case invalidVaultName
        /// A backup blob that does not parse, was altered, or belongs to another realm.
        case malformedBackup
        /// A backup of an object with more versions than Azure allows.
        case backupTooManyVersions
        /// A value beyond Azure's size limit.
        case tooLarge
        // The store.
        /// There is no store at the given place.
        case storeMissing
        /// `init` found a store already there.
        case storeExists
        /// The master key does not open this store.
        case wrongMasterKey
        /// A record failed its integrity check or does not parse.
        case corrupted
        /// The database or the file system failed.
        case storeFailure
        /// The cryptographic library failed on valid input.
        case cryptoFailure
        // The caller.
        /// The caller went away or was signalled while a long request ran (a batch of key operations): the
        /// request stopped between two of its steps, and the steps not yet run were neither run nor audited.
        case interrupted
        // What kvfs does not do.
        /// A well-formed, permitted request that kvfs never carries out (a key release: kvfs trusts no
        /// attestation service, `KeyReleaseRules`).
        case unsupported

        /// The coarse code of this reason.
        public var code: Code {
            switch self {
            case .notFound, .vaultNotFound, .deletedVaultNotFound, .objectNotFound, .pendingCertificateNotFound,
                 .principalNotFound, .assignmentNotFound: .notFound
            case .accessDenied, .managementDenied: .accessDenied
            case .disabled, .keyOperationNotPermitted, .keyNotYetValid, .keyExpired, .managedByCertificate, .forbidden, .roleNotDelegable,
                 .backupTooManyVersions: .forbidden
            case .purgeProtected, .vaultPurgeProtected: .purgeProtected
            case .conflict, .vaultExists, .assignmentExists, .pendingCreation: .conflict
            case .deletedButRecoverable: .deletedButRecoverable
            case .invalidArgument, .invalidVaultName, .malformedBackup: .invalidArgument
            case .tooLarge: .tooLarge
            case .storeMissing: .storeMissing
            case .storeExists: .storeExists
            case .wrongMasterKey: .wrongMasterKey
            case .corrupted: .corrupted
            case .storeFailure, .cryptoFailure: .storeFailure
            case .interrupted: .interrupted
            case .unsupported: .unsupported
            }
        }

        /// Azure's error code for this reason (`SecretNotFound`, `ForbiddenByRbac`, …), for JSON answers and audit.
        public var azureCode: String {
            switch self {
            case .notFound: "NotFound"
            case .vaultNotFound: "VaultNotFound"
            case .deletedVaultNotFound: "DeletedVaultNotFound"
            case .objectNotFound(let kind): "\(kind.displayName)NotFound"
            case .pendingCertificateNotFound: "PendingCertificateNotFound"
            case .principalNotFound: "PrincipalNotFound"
            case .assignmentNotFound: "RoleAssignmentNotFound"
            case .accessDenied: "ForbiddenByRbac"
            case .managementDenied: "AuthorizationFailed"
            case .roleNotDelegable: "RoleNotDelegable"
            case .disabled(let kind): "\(kind.displayName)Disabled"
            case .keyOperationNotPermitted: "KeyOperationForbidden"
            case .keyNotYetValid: "KeyNotYetValid"
            case .keyExpired: "KeyExpired"
            case .managedByCertificate, .forbidden, .purgeProtected: "Forbidden"
            case .vaultPurgeProtected: "MethodNotAllowed"
            case .conflict, .pendingCreation: "Conflict"
            case .vaultExists: "VaultAlreadyExists"
            case .assignmentExists: "RoleAssignmentExists"
            case .deletedButRecoverable: "ObjectIsDeletedButRecoverable"
            case .invalidArgument, .tooLarge: "BadParameter"
            case .invalidVaultName: "VaultNameNotValid"
            case .malformedBackup: "Malformed backup blob"
            case .backupTooManyVersions: "BackupTooManyVersions"
            case .cryptoFailure: "InternalError"
            case .unsupported: "NotSupported"
            case .storeMissing, .storeExists, .wrongMasterKey, .corrupted, .storeFailure: "StoreError"
            case .interrupted: "Interrupted"
            }
        }

        /// Every reason (each object kind once for the kind-carrying ones), for inverse look-ups and tests.
        public static let all: [Reason] = [
            .notFound, .vaultNotFound, .deletedVaultNotFound,
        ] + ObjectKind.allCases.map(Reason.objectNotFound) + [
            .pendingCertificateNotFound, .principalNotFound, .assignmentNotFound, .accessDenied, .managementDenied, .roleNotDelegable,
        ] + ObjectKind.allCases.map(Reason.disabled) + [
            .keyOperationNotPermitted, .keyNotYetValid, .keyExpired, .managedByCertificate, .forbidden, .purgeProtected,
            .vaultPurgeProtected, .conflict, .vaultExists, .assignmentExists, .pendingCreation, .deletedButRecoverable,
            .invalidArgument, .invalidVaultName, .malformedBackup, .backupTooManyVersions, .tooLarge, .storeMissing,
            .storeExists, .wrongMasterKey, .corrupted, .storeFailure, .cryptoFailure, .interrupted, .unsupported,
        ]

        /// The first reason whose Azure code is `azureCode` (how a client rebuilds a refusal from an answer's
        /// `error.code`); `.storeFailure` for an unknown code.
        public init(azureCode: String) {
            self = Reason.all.first { $0.azureCode == azureCode } ?? .storeFailure
        }
    }

    /// Why it failed: what front-ends map.
    public var reason: Reason
    public var message: String
    public var cause: (any Error)?

    /// The coarse kind of failure.
    public var code: Code { reason.code }
    /// Azure's error code for this failure (e.g. `SecretNotFound`, `ForbiddenByRbac`), for JSON answers and audit.
    public var azureCode: String { reason.azureCode }

    public init(_ reason: Reason, _ message: String, cause: (any Error)? = nil) {
        self.reason = reason
        self.message = message
        self.cause = cause
    }

    public var description: String { message }

    public static func == (lhs: VaultError, rhs: VaultError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension VaultError {
    static func invalid(_ message: String) -> VaultError { VaultError(.invalidArgument, message) }
}
