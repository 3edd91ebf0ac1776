import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// `<vault>/keys/<name>/` (or one version under `.versions/`): `public.pem`, `key.jwk` and the `ops` control
/// file. Private material has no path at all.
struct KeyNode: ObjectDirectoryNode {
    let object: ObjectAddress

    init(_ object: ObjectAddress) { self.object = object }

    func child(_ name: String) throws(FileSystemError) -> any TreeNode {
        if name == KeyOpsNode.name { return KeyOpsNode(key: object) }
        guard let file = KeyFileNode.File(rawValue: name) else { throw .noSuchEntry }
        return KeyFileNode(key: object, which: file)
    }

    func entries(for caller: Caller, in tree: TreeContext) throws -> [Listed] {
        _ = try attributes(for: caller, in: tree)
        return KeyFileNode.File.allCases.map { Listed(name: $0.rawValue, node: KeyFileNode(key: object, which: $0)) }
            + [Listed(name: KeyOpsNode.name, node: KeyOpsNode(key: object))]
    }

    func metadata(for caller: Caller, in tree: TreeContext) throws -> [String: String] {
        try tree.requireInFilter(object.vault)
        let bundle = try tree.engine.keys.get(vault: object.vault, name: object.name, version: object.version, as: caller)
        var values = Rendering.values(bundle.properties, id: bundle.kid)
        values["kty"] = bundle.key.kty
        switch bundle.parameters {
        case .rsa(let bits): values["key_size"] = String(bits)
        case .ec(let curve): values["crv"] = curve.rawValue
        }
        values["key_ops"] = bundle.keyOps.map(\.rawValue).joined(separator: ",")
        values["exportable"] = bundle.exportable ? "true" : "false"
        // Azure's KeyReleasePolicy, as the REST API carries it ({contentType, data (base64url), immutable}).
        if let policy = bundle.releasePolicy { values["release_policy"] = String(decoding: try Rendering.json(policy), as: UTF8.self) }
        return values
    }

    func updatableObject() throws(FileSystemError) -> ObjectAddress { object }

    func unlink(as caller: Caller, in tree: TreeContext) throws { throw FileSystemError.isDirectory }

    /// `rmdir keys/k` (or the end of `rm -r keys/k`) soft-deletes the key with all its versions.
    func rmdir(as caller: Caller, in tree: TreeContext) throws {
        guard object.version == nil else { throw FileSystemError.notPermitted }
        try tree.requireInFilter(object.vault)
        _ = try tree.engine.objects(.key).delete(vault: object.vault, name: object.name, as: caller)
    }

    /// A key's files are views of the key and go with it. Removing one is accepted without effect for a
    /// caller who may delete the key, so that `rm -r keys/<name>` reaches the rmdir that soft-deletes it.
    static func unlinkFile(of key: ObjectAddress, as caller: Caller, in tree: TreeContext) throws {
        guard key.version == nil else { throw FileSystemError.notPermitted }
        try tree.requireInFilter(key.vault)
        try tree.engine.objects(.key).checkDelete(vault: key.vault, name: key.name, as: caller)
    }
}

/// A key's `public.pem` (SubjectPublicKeyInfo) or `key.jwk` (the public JWK): read-only, for a caller with read.
struct KeyFileNode: TreeNode {
    enum File: String, CaseIterable, Sendable {
        case publicPEM = "public.pem"
        case jwk = "key.jwk"
    }

    let key: ObjectAddress
    let which: File

    var path: String { key.path + "/" + which.rawValue }
    var isDirectory: Bool { false }

    /// The size is the exact length of the content for a caller who may read it, from the key's public record.
    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        let (can, properties, view) = try tree.existingWithPublicView(key, caller: caller)
        var size: UInt64 = 0
        if case .key(let bundle) = view { size = UInt64(try content(of: bundle).count) }
        return file(ModeBits.objectFile(can), for: caller, size: size, modified: properties.created)
    }

    func open(flags: Int32, caller: Caller, in tree: TreeContext) throws -> OpenHandle {
        guard flags & O_ACCMODE == O_RDONLY else { throw FileSystemError.accessDenied }
        try tree.requireInFilter(key.vault)
        let bundle = try tree.engine.keys.get(vault: key.vault, name: key.name, version: key.version, as: caller)
        return OpenHandle(node: self, purpose: .staticContent, caller: caller, writable: false,
                          content: ValueBuffer(taking: try content(of: bundle)))
    }

    /// The file's bytes: what `open` serves and `stat` measures.
    func content(of bundle: KeyBundle) throws -> [UInt8] {
        switch which {
        case .publicPEM: Array(bundle.publicKeyPEM.utf8)
        case .jwk: try Rendering.json(bundle.key)
        }
    }

    func unlink(as caller: Caller, in tree: TreeContext) throws {
        try KeyNode.unlinkFile(of: key, as: caller, in: tree)
    }
}

/// `keys/<name>/ops` (and each version's): the control file for crypto operations, backup of the key.
struct KeyOpsNode: TreeNode {
    static let name = "ops"

    let key: ObjectAddress

    var path: String { key.path + "/" + KeyOpsNode.name }
    var isDirectory: Bool { false }

    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        let (can, properties) = try tree.existing(key, caller: caller)
        return file(ModeBits.keyOperations(can), for: caller, modified: properties.updated)
    }

    func open(flags: Int32, caller: Caller, in tree: TreeContext) throws -> OpenHandle {
        _ = try attributes(for: caller, in: tree)
        try tree.requireInFilter(key.vault)
        return OpenHandle(node: self, purpose: .control(KeyOperationsControl(key: key)), caller: caller.pinned(),
                          writable: flags & O_ACCMODE != O_RDONLY)
    }

    func unlink(as caller: Caller, in tree: TreeContext) throws {
        try KeyNode.unlinkFile(of: key, as: caller, in: tree)
    }
}
