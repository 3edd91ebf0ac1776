import ArgumentParser
import VaultEngine
import VaultFS

/// kvfs's documented exit codes (docs/cli.md). Usage errors keep ArgumentParser's 64.
enum ExitCodes {
    static let failure: Int32 = 1
    static let notFound: Int32 = 2
    static let accessDenied: Int32 = 3
    static let conflict: Int32 = 4
    static let invalidInput: Int32 = 5
    static let storeError: Int32 = 6
    static let forbidden: Int32 = 7
    static let unsupported: Int32 = 8
    static let mountRefused: Int32 = 9

    /// Mount failures: the system's FUSE setup refusing the mount (no /dev/fuse, no setuid fusermount3,
    /// /etc/fuse.conf without user_allow_other) is 9; the rest (mountpoint, kernel, loop) 1.
    static func code(for error: FuseMountError) -> Int32 {
        error.code == .deviceUnavailable || error.code == .allowOtherNotPermitted ? mountRefused : failure
    }

    /// The one table from refusal reasons to exit codes: the same refusal gives the same code whether the
    /// command went through the store or through a mount (whose answers carry Azure's error code).
    static func code(for error: VaultError) -> Int32 {
        switch error.reason {
        case .notFound, .vaultNotFound, .deletedVaultNotFound, .objectNotFound, .pendingCertificateNotFound,
             .principalNotFound, .assignmentNotFound: notFound
        case .accessDenied, .managementDenied: accessDenied
        case .conflict, .vaultExists, .assignmentExists, .pendingCreation, .deletedButRecoverable, .storeExists: conflict
        case .invalidArgument, .invalidVaultName, .malformedBackup, .tooLarge: invalidInput
        case .storeMissing, .wrongMasterKey, .corrupted, .storeFailure, .cryptoFailure: storeError
        case .disabled, .keyOperationNotPermitted, .keyNotYetValid, .keyExpired, .managedByCertificate, .forbidden,
             .purgeProtected, .vaultPurgeProtected, .backupTooManyVersions, .roleNotDelegable: forbidden
        // Only a mount's caller that was signalled gets it, and that process is gone: no code of its own.
        case .interrupted: failure
        case .unsupported: unsupported
        }
    }
}

/// Bad input found by a command itself (not by the engine), reported with the invalid-input exit code.
struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
