import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// `<vault>/secrets/<name>.pem` and `<name>.pfx`: a certificate's PKCS#12 secret decoded (`SecretForm`) —
/// private key and chain as PEM, or the PFX as binary — for servers and TLS libraries that load files. Read
/// with the same right as the secret (`secrets/getSecret`, audited as SecretGet); the engine decides and
/// renders, this node only shows it. Not listed (a listing of `secrets/` shows secrets), read-only, and
/// `ENOENT` for a secret that has no forms. Like the secret's own file, each version is its own inode with
/// an exact size (see `SecretNode`), and nothing is cached across callers: each open is decided for its caller.
struct SecretFormNode: TreeNode {
    let object: ObjectAddress
    let form: SecretForm
    /// The version a lookup found current, and whether the caller's `stat` shows the length.
    var held: (version: String, sized: Bool)? = nil

    /// The form `name` names in `vault`'s secrets (`web.pem`), if its stem is a valid secret name.
    static func named(_ name: String, vault: String) -> SecretFormNode? {
        guard let dot = name.lastIndex(of: "."),
              let form = SecretForm.allCases.first(where: { $0.fileExtension == name[name.index(after: dot)...].lowercased() }),
              let stem = try? PathSyntax.objectName(String(name[..<dot]), .secret) else { return nil }
        return SecretFormNode(object: ObjectAddress(kind: .secret, vault: vault, name: stem), form: form)
    }

    var path: String { object.path + "." + form.fileExtension }
    var isDirectory: Bool { false }

    var identity: String {
        guard let held else { return path }
        return path + "\u{0}" + held.version + (held.sized ? "" : "\u{0}-")
    }

    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        let inspection = try inspect(version: held?.version, caller: caller, in: tree)
        if let held, (inspection.formLength != nil) != held.sized { throw FileSystemError.accessDenied }
        return try rendered(inspection, for: caller)
    }

    func resolved(for caller: Caller, thread: Int32, in tree: TreeContext) throws -> (node: any TreeNode, attributes: FileAttributes) {
        let inspection = try inspect(version: nil, caller: caller, in: tree)
        let attributes = try rendered(inspection, for: caller)
        var pinned = self
        pinned.held = (inspection.properties!.version, inspection.formLength != nil)
        return (pinned, attributes)
    }

    func open(flags: Int32, caller: Caller, in tree: TreeContext) throws -> OpenHandle {
        guard flags & O_ACCMODE == O_RDONLY else { throw FileSystemError.accessDenied }
        try tree.requireInFilter(object.vault)
        let secret = try tree.engine.secrets.get(vault: object.vault, name: object.name, version: held?.version, form: form, as: caller)
        return OpenHandle(node: self, purpose: .staticContent, caller: caller, writable: false, content: ValueBuffer(copying: secret.value))
    }

    private func inspect(version: String?, caller: Caller, in tree: TreeContext) throws -> Inspection {
        try tree.requireInFilter(object.vault)
        return try tree.engine.access.inspectSecretForm(form, vault: object.vault, name: object.name, version: version, as: caller)
    }

    /// - Throws: `ENOENT` for a secret that does not exist or has no forms.
    private func rendered(_ inspection: Inspection, for caller: Caller) throws -> FileAttributes {
        guard let properties = inspection.properties else { throw FileSystemError.noSuchEntry }
        return file(ModeBits.objectFile(inspection.capabilities), for: caller, size: UInt64(inspection.formLength ?? 0),
                    modified: properties.created, changed: properties.updated)
    }
}
