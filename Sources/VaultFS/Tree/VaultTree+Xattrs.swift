import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// Object metadata as extended attributes `user.kv.*`. Reading needs the read-metadata action; `setfattr`
/// and `setfattr -x` change what Azure lets an update change (enabled, nbf, exp, content type, tags) with
/// the update action.
extension VaultTree {
    static let prefix = "user.kv."
    /// The attributes an update may change.
    static let settable: Set<String> = ["enabled", "content_type", "nbf", "exp", "tags", "key_ops"]

    public func listxattr(inode: UInt64, context: OperationContext) throws -> [String] {
        try inodes.node(inode).metadata(for: callers.caller(context), in: tree).keys.sorted().map { VaultTree.prefix + $0 }
    }

    public func getxattr(inode: UInt64, name: String, context: OperationContext) throws -> [UInt8] {
        guard name.hasPrefix(VaultTree.prefix) else { throw FileSystemError.noAttribute }
        let values = try inodes.node(inode).metadata(for: callers.caller(context), in: tree)
        guard let value = values[String(name.dropFirst(VaultTree.prefix.count))] else { throw FileSystemError.noAttribute }
        return Array(value.utf8)
    }

    public func setxattr(inode: UInt64, name: String, value: [UInt8], mode: ExtendedAttributeSetMode,
                         context: OperationContext) throws {
        let caller = callers.caller(context)
        let node = try inodes.node(inode)
        let object = try node.updatableObject()
        let attribute = try settableName(name)
        guard let text = String(validating: value, as: UTF8.self) else { throw FileSystemError.invalidArgument }
        if mode != .createOrReplace {
            let present = try node.metadata(for: caller, in: tree)[attribute] != nil
            if mode == .createOnly && present { throw FileSystemError.exists }
            if mode == .replaceOnly && !present { throw FileSystemError.noAttribute }
        }
        let (update, keyOps) = try VaultTree.attributeUpdate(attribute, value: text, kind: object.kind)
        try apply(update, keyOps: keyOps, to: object, caller: caller)
    }

    /// What `setfattr -n user.kv.<attribute> -v <value>` asks to change on an object of `kind`: `enabled`
    /// (true/false, 1/0, yes/no), `content_type` (empty: none), `nbf` and `exp` (ISO 8601 or Unix seconds; empty:
    /// none), `tags` (a JSON object of strings), `key_ops` (a key's operations, separated by commas or spaces).
    /// - Throws: `EINVAL` for a value the attribute does not take, `EPERM` for `key_ops` on anything but a key.
    static func attributeUpdate(_ attribute: String, value text: String, kind: ObjectKind) throws
        -> (AttributeUpdate, keyOps: [KeyOperation]?) {
        var update = AttributeUpdate()
        switch attribute {
        case "key_ops":
            guard kind == .key else { throw FileSystemError.notPermitted }
            let names = text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            guard let ops = try? names.map(KeyOperation.parse) else { throw FileSystemError.invalidArgument }
            return (update, ops)
        case "enabled":
            switch text.lowercased() {
            case "true", "1", "yes": update.enabled = true
            case "false", "0", "no": update.enabled = false
            default: throw FileSystemError.invalidArgument
            }
        case "content_type":
            update.contentType = .some(text.isEmpty ? nil : text)
        case "nbf", "exp":
            let date: Date?? = text.isEmpty ? .some(nil) : .some(try DateRules.parse(text, field: VaultTree.prefix + attribute, accepting: .iso8601OrUnixSeconds))
            if attribute == "nbf" { update.notBefore = date } else { update.expires = date }
        default:
            guard let data = text.data(using: .utf8),
                  let tags = try? JSONDecoder().decode([String: String].self, from: data) else {
                throw FileSystemError.invalidArgument
            }
            update.tags = tags
        }
        return (update, nil)
    }

    func apply(_ update: AttributeUpdate, keyOps: [KeyOperation]? = nil, to object: ObjectAddress, caller: Caller) throws {
        let (vault, name, version) = (object.vault, object.name, object.version)
        switch object.kind {
        case .certificate:
            try engine.certificates.update(vault: vault, name: name, version: version, CertificateUpdate(attributes: update), as: caller)
        case .key:
            try engine.keys.update(vault: vault, name: name, version: version, KeyUpdate(keyOps: keyOps, attributes: update), as: caller)
        case .secret:
            try engine.objects(.secret).update(vault: vault, name: name, version: version, update, as: caller)
        }
    }

    public func removexattr(inode: UInt64, name: String, context: OperationContext) throws {
        let caller = callers.caller(context)
        let object = try inodes.node(inode).updatableObject()
        var update = AttributeUpdate()
        switch try settableName(name) {
        case "content_type": update.contentType = .some(nil)
        case "nbf": update.notBefore = .some(nil)
        case "exp": update.expires = .some(nil)
        case "tags": update.tags = [:]
        default: throw FileSystemError.notPermitted
        }
        try apply(update, to: object, caller: caller)
    }

    private func settableName(_ name: String) throws -> String {
        guard name.hasPrefix(VaultTree.prefix) else { throw FileSystemError.notSupported }
        let attribute = String(name.dropFirst(VaultTree.prefix.count))
        guard VaultTree.settable.contains(attribute) else { throw FileSystemError.notPermitted }
        return attribute
    }
}
