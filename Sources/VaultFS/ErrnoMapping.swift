#if canImport(Glibc)
import Glibc
#endif
import VaultEngine

/// The one place where vault errors become errnos: one row per refusal reason.
extension VaultError: ErrnoConvertible {
    public var errno: Int32 { reason.errno }
}

extension VaultError.Reason {
    /// The errno a filesystem caller sees for this reason.
    public var errno: Int32 {
        switch self {
        case .notFound, .vaultNotFound, .deletedVaultNotFound, .objectNotFound, .pendingCertificateNotFound,
             .principalNotFound, .assignmentNotFound: ENOENT
        case .accessDenied, .managementDenied: EACCES
        // A disabled version reads as a permission problem for this caller, like a mode bit that is off.
        case .disabled: EACCES
        // Operations this object's state never allows.
        case .keyOperationNotPermitted, .keyNotYetValid, .keyExpired, .managedByCertificate, .forbidden,
             .purgeProtected, .vaultPurgeProtected, .backupTooManyVersions: EPERM
        // The caller may manage assignments there, but not of this role: never allowed to it, whatever it does.
        case .roleNotDelegable: EPERM
        case .conflict, .vaultExists, .assignmentExists, .pendingCreation, .deletedButRecoverable: EEXIST
        case .invalidArgument, .invalidVaultName, .malformedBackup: EINVAL
        case .tooLarge: EFBIG
        case .storeMissing, .storeExists, .wrongMasterKey, .corrupted, .storeFailure, .cryptoFailure: EIO
        // The caller was signalled; the kernel hands EINTR to nobody once the caller is gone.
        case .interrupted: EINTR
        // A request kvfs never carries out (a key release).
        case .unsupported: EOPNOTSUPP
        }
    }
}
