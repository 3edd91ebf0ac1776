/// Every failure the engine reports: a stable `code`, a message that says what went wrong and how to fix it,
/// and an optional underlying cause. Equality compares codes only, so tests can build the expected error.
///
/// Messages name objects and vaults but never carry a secret value or key material.
public struct VaultError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure. Adapters (CLI exit codes, FUSE errnos) switch on this and nothing else.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case notFound, accessDenied, forbidden, conflict, deletedButRecoverable, purgeProtected
            case invalidArgument, tooLarge, storeMissing, storeExists, wrongMasterKey, corrupted, storeFailure
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

        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    /// Azure's error code for this failure (e.g. `SecretNotFound`, `ForbiddenByRbac`), for JSON answers and audit.
    public var azureCode: String
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, azureCode: String? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.azureCode = azureCode ?? VaultError.defaultAzureCode(code)
        self.cause = cause
    }

    static func defaultAzureCode(_ code: Code) -> String {
        switch code.value {
        case .notFound: "NotFound"
        case .accessDenied: "ForbiddenByRbac"
        case .forbidden: "Forbidden"
        case .conflict: "Conflict"
        case .deletedButRecoverable: "ObjectIsDeletedButRecoverable"
        case .purgeProtected: "PurgeProtected"
        case .invalidArgument, .tooLarge: "BadParameter"
        case .storeMissing, .storeExists, .wrongMasterKey, .corrupted, .storeFailure: "StoreError"
        }
    }

    public var description: String { message }

    public static func == (lhs: VaultError, rhs: VaultError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension VaultError {
    static func invalid(_ message: String) -> VaultError { VaultError(.invalidArgument, message) }
}
