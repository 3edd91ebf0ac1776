import Foundation
import VaultEngine

/// `<vault>/secrets/`, `keys/`, `certificates/`: the objects, `.versions/` and the `.ops` control file.
/// New secrets are created here.
struct CollectionNode: TreeNode {
    let vault: String
    let kind: ObjectKind

    var path: String { vault + "/" + kind.collection }
    var isDirectory: Bool { true }

    func child(_ name: String) throws(FileSystemError) -> any TreeNode {
        if name == PathSyntax.versions { return VersionsNode(vault: vault, kind: kind) }
        if name == PathSyntax.control { return ControlNode(vault: vault, kind: kind) }
        if kind == .secret, let form = SecretFormNode.named(name, vault: vault) { return form }
        return CollectionNode.object(ObjectAddress(kind: kind, vault: vault, name: try PathSyntax.objectName(name, kind)))
    }

    /// The node of an object, or of one of its versions.
    static func object(_ address: ObjectAddress) -> any TreeNode {
        switch address.kind {
        case .secret: SecretNode(address)
        case .key: KeyNode(address)
        case .certificate: CertificateNode(address)
        }
    }

    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        directory(ModeBits.collection(try tree.collectionCapabilities(vault, kind, caller: caller)), for: caller,
                  modified: tree.started)
    }

    func entries(for caller: Caller, in tree: TreeContext) throws -> [Listed] {
        try tree.requireInFilter(vault)
        return [Listed(name: PathSyntax.versions, node: VersionsNode(vault: vault, kind: kind)),
                Listed(name: PathSyntax.control, node: ControlNode(vault: vault, kind: kind))]
            + (try tree.engine.objects(kind).list(vault: vault, as: caller)).map {
                Listed(name: $0.name, node: CollectionNode.object(ObjectAddress(kind: kind, vault: vault, name: Names.key($0.name))))
            }
    }

    /// A new secret; keys and certificates are made through `.ops`, so a file of another name is `EINVAL`.
    /// In `secrets/`, an exclusive create that looks like a temporary file's makes one (see `TemporaryFiles`).
    func create(_ name: String, flags: Int32, caller: Caller, in tree: TreeContext) throws -> Created {
        if kind == .secret, TemporaryFiles.isTemporaryCreate(name, flags: flags),
           name != PathSyntax.versions, name != PathSyntax.control {
            return try TemporaryNode.create(vault: vault, name: name, flags: flags, caller: caller, in: tree)
        }
        guard let secret = try child(name) as? SecretNode, secret.object.version == nil else {
            throw FileSystemError.invalidArgument
        }
        return try secret.create(named: name, flags: flags, caller: caller, in: tree)
    }
}
