import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// `rm` soft-deletes, `rm` in `.deleted/` purges, `mv` out of `.deleted/` recovers; nothing else renames.
extension VaultTree {
    public func unlink(parent: UInt64, name: String, context: OperationContext) throws {
        let caller = callers.caller(context)
        switch try inodes.node(parent).child(name) {
        case .secret(let v, let object, nil):
            try requireInFilter(v)
            try engine.objects(.secret).delete(vault: v, name: object, as: caller)
        case .deletedObject(let v, .secret, let object):
            try requireInFilter(v)
            try engine.objects(.secret).purge(vault: v, name: object, as: caller)
        case .deletedObject, .key, .versionsOf, .certificate:
            throw FileSystemError.isDirectory
        case .certificateFile(let v, let object, nil, _):
            // As for keys: accepted without effect for a caller who may delete the certificate (`rm -r`).
            let inspection = try inspect(.certificate, v, object, nil, caller: caller)
            guard inspection.rights.contains(DataAction.Certificates.delete) else { throw FileSystemError.accessDenied }
        case .keyFile(let v, let object, nil, _):
            // A key's files are views of the key and go with it. Removing one is accepted without effect for a
            // caller who may delete the key, so that `rm -r keys/<name>` reaches the rmdir that soft-deletes it.
            let inspection = try inspect(.key, v, object, nil, caller: caller)
            guard inspection.rights.contains(DataAction.Keys.delete) else { throw FileSystemError.accessDenied }
        default:
            // Versions cannot be deleted one by one (Azure's rule), and generated files are not removable.
            throw FileSystemError.notPermitted
        }
    }

    public func rmdir(parent: UInt64, name: String, context: OperationContext) throws {
        let caller = callers.caller(context)
        switch try inodes.node(parent).child(name) {
        case .key(let v, let object, nil):
            try requireInFilter(v)
            try engine.objects(.key).delete(vault: v, name: object, as: caller)
        case .certificate(let v, let object, nil):
            try requireInFilter(v)
            try engine.objects(.certificate).delete(vault: v, name: object, as: caller)
        case .deletedObject(let v, let kind, let object) where kind != .secret:
            try requireInFilter(v)
            try engine.objects(kind).purge(vault: v, name: object, as: caller)
        case .secret, .keyFile, .control, .deletedObject, .certificateFile:
            throw FileSystemError.notDirectory
        default:
            throw FileSystemError.notPermitted
        }
    }

    /// Only `mv .deleted/<type>/<name> <type>/<name>` (the same name, any case) is a rename kvfs knows: it
    /// recovers the object. Another target name is `EINVAL`; every other rename is `EPERM`.
    public func rename(parent: UInt64, name: String, newParent: UInt64, newName: String, flags: RenameFlags,
                       context: OperationContext) throws {
        let caller = callers.caller(context)
        guard !flags.contains(.exchange) else { throw FileSystemError.invalidArgument }
        let source = try inodes.node(parent).child(name)
        guard case .deletedObject(let v, let kind, let object) = source else { throw FileSystemError.notPermitted }
        guard case .collection(let targetVault, let targetKind) = try inodes.node(newParent),
              targetVault == v, targetKind == kind else {
            throw FileSystemError.notPermitted
        }
        guard Names.key(newName) == object else { throw FileSystemError.invalidArgument }
        try requireInFilter(v)
        try engine.objects(kind).recover(vault: v, name: object, as: caller)
    }
}
