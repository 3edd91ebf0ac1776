#if canImport(Glibc)
import Glibc
#endif
import VaultEngine

/// The one place where vault errors become errnos.
extension VaultError: ErrnoConvertible {
    public var errno: Int32 {
        switch code {
        case .notFound: ENOENT
        case .accessDenied: EACCES
        // A disabled secret reads as a permission problem; other state refusals (managed objects,
        // key_ops) are operations this object never allows.
        case .forbidden: azureCode == "SecretDisabled" || azureCode == "KeyDisabled" ? EACCES : EPERM
        case .conflict, .deletedButRecoverable: EEXIST
        case .purgeProtected: EPERM
        case .invalidArgument: EINVAL
        case .tooLarge: EFBIG
        default: EIO
        }
    }
}
