import VaultEngine

/// A place in the kvfs tree. Names are held case-folded, so `DB` and `db` are one node (Azure names are
/// case-insensitive); listings show each object's name as it was first written.
///
/// ```
/// <vault>/secrets/<name>                          .secret(version: nil)
/// <vault>/secrets/.versions/<name>/<version>      .secret(version: v)
/// <vault>/keys/<name>/{public.pem,key.jwk,ops}    .keyFile
/// <vault>/{secrets,keys,certificates}/.ops       .control
/// <vault>/certificates/<name>/{cert.pem,cert.cer,policy.json,csr.pem}   .certificateFile
/// <vault>/.deleted/{secrets,keys,certificates}/<name>
/// ```
enum Node: Hashable, Sendable {
    case root
    case vault(String)
    case collection(vault: String, kind: ObjectKind)
    case versionsRoot(vault: String, kind: ObjectKind)
    case versionsOf(vault: String, kind: ObjectKind, name: String)
    case secret(vault: String, name: String, version: String?)
    case key(vault: String, name: String, version: String?)
    case keyFile(vault: String, name: String, version: String?, file: KeyFile)
    case control(vault: String, kind: ObjectKind)
    case certificate(vault: String, name: String, version: String?)
    case certificateFile(vault: String, name: String, version: String?, file: CertificateFile)
    case deletedRoot(vault: String)
    case deletedCollection(vault: String, kind: ObjectKind)
    case deletedObject(vault: String, kind: ObjectKind, name: String)

    /// The files inside a key's directory.
    enum KeyFile: String, CaseIterable, Sendable {
        case publicPEM = "public.pem"
        case jwk = "key.jwk"
        case ops = "ops"
    }

    /// The files inside a certificate's directory (`csr.pem` only while a creation is pending).
    enum CertificateFile: String, CaseIterable, Sendable {
        case pem = "cert.pem"
        case cer = "cert.cer"
        case policy = "policy.json"
        case csr = "csr.pem"
    }

    static let versionsName = ".versions"
    static let deletedName = ".deleted"
    static let controlName = ".ops"

    var isDirectory: Bool {
        switch self {
        case .root, .vault, .collection, .versionsRoot, .versionsOf, .key, .certificate, .deletedRoot, .deletedCollection: true
        case .deletedObject(_, let kind, _): kind != .secret
        case .secret, .keyFile, .control, .certificateFile: false
        }
    }

    /// The vault this node is in, if any.
    var vault: String? {
        switch self {
        case .root: nil
        case .vault(let v), .collection(let v, _), .versionsRoot(let v, _), .versionsOf(let v, _, _), .secret(let v, _, _),
             .key(let v, _, _), .keyFile(let v, _, _, _), .control(let v, _), .deletedRoot(let v),
             .deletedCollection(let v, _), .deletedObject(let v, _, _), .certificate(let v, _, _), .certificateFile(let v, _, _, _):
            v
        }
    }

    /// The node `name` names inside this one, judged by syntax alone.
    /// - Throws: `ENOENT` for names that cannot exist here, `EINVAL` for object names that break Azure's rule.
    func child(_ name: String) throws(FileSystemError) -> Node {
        switch self {
        case .root:
            guard (try? Names.validateVault(name)) != nil else { throw .invalidArgument }
            return .vault(Names.key(name))
        case .vault(let v):
            if name == Node.deletedName { return .deletedRoot(vault: v) }
            guard let kind = ObjectKind(collection: name), name == kind.collection else { throw .noSuchEntry }
            return .collection(vault: v, kind: kind)
        case .collection(let v, let kind):
            if name == Node.versionsName { return .versionsRoot(vault: v, kind: kind) }
            if name == Node.controlName { return .control(vault: v, kind: kind) }
            let object = try Node.objectName(name, kind)
            switch kind {
            case .secret: return .secret(vault: v, name: object, version: nil)
            case .key: return .key(vault: v, name: object, version: nil)
            case .certificate: return .certificate(vault: v, name: object, version: nil)
            }
        case .versionsRoot(let v, let kind):
            return .versionsOf(vault: v, kind: kind, name: try Node.objectName(name, kind))
        case .versionsOf(let v, let kind, let object):
            guard Node.isVersion(name) else { throw .noSuchEntry }
            switch kind {
            case .secret: return .secret(vault: v, name: object, version: name.lowercased())
            case .key: return .key(vault: v, name: object, version: name.lowercased())
            case .certificate: return .certificate(vault: v, name: object, version: name.lowercased())
            }
        case .key(let v, let object, let version):
            guard let file = KeyFile(rawValue: name) else { throw .noSuchEntry }
            return .keyFile(vault: v, name: object, version: version, file: file)
        case .certificate(let v, let object, let version):
            guard let file = CertificateFile(rawValue: name) else { throw .noSuchEntry }
            return .certificateFile(vault: v, name: object, version: version, file: file)
        case .deletedRoot(let v):
            guard let kind = ObjectKind(collection: name), name == kind.collection else { throw .noSuchEntry }
            return .deletedCollection(vault: v, kind: kind)
        case .deletedCollection(let v, let kind):
            return .deletedObject(vault: v, kind: kind, name: try Node.objectName(name, kind))
        case .secret, .keyFile, .control, .deletedObject, .certificateFile:
            throw .notDirectory
        }
    }

    static func objectName(_ name: String, _ kind: ObjectKind) throws(FileSystemError) -> String {
        guard (try? Names.validateObject(name, kind: kind)) != nil else { throw .invalidArgument }
        return Names.key(name)
    }

    static func isVersion(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) || (65...70).contains($0) }
    }
}
