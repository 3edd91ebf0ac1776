/// The rules about an object's state, apart from roles: a soft-deleted name cannot be reused, an object a
/// certificate manages cannot be changed directly, a disabled secret cannot be read.
enum ObjectStateRules {
    /// Fails with Azure's ObjectIsDeletedButRecoverable when `name` belongs to a soft-deleted object.
    static func refuseDeletedName(_ existing: ObjectRecord?) throws {
        if let existing, existing.deletedDate != nil {
            throw VaultError(.deletedButRecoverable,
                             "\(existing.kind.displayName) \(existing.name) is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the \(existing.kind.rawValue) can only be recovered or purged.")
        }
    }

    static func refuseManaged(_ object: ObjectRecord, _ verb: String) throws {
        if object.managed {
            throw VaultError(.managedByCertificate, "\(object.kind.displayName) '\(object.name)' is managed by its certificate and cannot be \(verb) directly.")
        }
    }

    /// A disabled secret version cannot be read (Azure's SecretDisabled).
    static func refuseDisabledSecret(_ record: VersionRecord) throws {
        guard record.enabled else {
            throw VaultError(.disabled(.secret), "Operation get is not allowed on a disabled secret.")
        }
    }
}
