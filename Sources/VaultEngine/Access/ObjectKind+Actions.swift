/// The data actions that govern each object family, for adapters that show rights (mode bits) or check
/// them before a multi-step operation.
extension ObjectKind {
    /// Reading metadata and listing: `secrets/readMetadata/action`, `keys/read`, `certificates/read`.
    public var readMetadataAction: DataAction {
        switch self {
        case .secret: DataAction.Secrets.readMetadata
        case .key: DataAction.Keys.read
        case .certificate: DataAction.Certificates.read
        }
    }

    /// Creating a new object or version: `secrets/setSecret/action`, `keys/create/action`, `certificates/create/action`.
    public var createAction: DataAction {
        switch self {
        case .secret: DataAction.Secrets.setSecret
        case .key: DataAction.Keys.create
        case .certificate: DataAction.Certificates.create
        }
    }

    public var updateAction: DataAction {
        switch self {
        case .secret: DataAction.Secrets.update
        case .key: DataAction.Keys.update
        case .certificate: DataAction.Certificates.update
        }
    }

    public var deleteAction: DataAction {
        switch self {
        case .secret: DataAction.Secrets.delete
        case .key: DataAction.Keys.delete
        case .certificate: DataAction.Certificates.delete
        }
    }

    public var recoverAction: DataAction {
        switch self {
        case .secret: DataAction.Secrets.recover
        case .key: DataAction.Keys.recover
        case .certificate: DataAction.Certificates.recover
        }
    }

    public var purgeAction: DataAction {
        switch self {
        case .secret: DataAction.Secrets.purge
        case .key: DataAction.Keys.purge
        case .certificate: DataAction.Certificates.purge
        }
    }

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

    /// Every data action of this family.
    public var allActions: [DataAction] {
        switch self {
        case .secret: DataAction.Secrets.all
        case .key: DataAction.Keys.all
        case .certificate: DataAction.Certificates.all
        }
    }
}
