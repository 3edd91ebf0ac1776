/// The data actions that govern backup and restore of each object family.
extension ObjectKind {
    /// `secrets/backup/action`, `keys/backup/action`, `certificates/backup/action`.
    public var backupAction: DataAction {
        switch self {
        case .secret: DataAction.Secrets.backup
        case .key: DataAction.Keys.backup
        case .certificate: DataAction.Certificates.backup
        }
    }

    /// `secrets/restore/action`, `keys/restore/action`, `certificates/restore/action`. A restore makes a new name,
    /// so it is decided at vault scope.
    public var restoreAction: DataAction {
        switch self {
        case .secret: DataAction.Secrets.restore
        case .key: DataAction.Keys.restore
        case .certificate: DataAction.Certificates.restore
        }
    }
}
