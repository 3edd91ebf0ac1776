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
        try metadata(of: inodes.node(inode), caller: callers.caller(context)).keys.sorted().map { VaultTree.prefix + $0 }
    }

    public func getxattr(inode: UInt64, name: String, context: OperationContext) throws -> [UInt8] {
        guard name.hasPrefix(VaultTree.prefix) else { throw FileSystemError.noAttribute }
        let values = try metadata(of: inodes.node(inode), caller: callers.caller(context))
        guard let value = values[String(name.dropFirst(VaultTree.prefix.count))] else { throw FileSystemError.noAttribute }
        return Array(value.utf8)
    }

    public func setxattr(inode: UInt64, name: String, value: [UInt8], mode: ExtendedAttributeSetMode,
                         context: OperationContext) throws {
        let caller = callers.caller(context)
        let (kind, vault, object, version) = try updatable(inodes.node(inode))
        let attribute = try settableName(name)
        guard let text = String(validating: value, as: UTF8.self) else { throw FileSystemError.invalidArgument }
        if mode != .createOrReplace {
            let present = try metadata(of: inodes.node(inode), caller: caller)[attribute] != nil
            if mode == .createOnly && present { throw FileSystemError.exists }
            if mode == .replaceOnly && !present { throw FileSystemError.noAttribute }
        }
        var update = AttributeUpdate()
        var keyOps: [KeyOperation]?
        switch attribute {
        case "key_ops":
            guard kind == .key else { throw FileSystemError.notPermitted }
            let names = text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            guard let ops = try? names.map(KeyOperation.parse) else { throw FileSystemError.invalidArgument }
            keyOps = ops
        case "content_type" where kind == .key:
            throw FileSystemError.notPermitted
        case "enabled":
            switch text.lowercased() {
            case "true", "1", "yes": update.enabled = true
            case "false", "0", "no": update.enabled = false
            default: throw FileSystemError.invalidArgument
            }
        case "content_type":
            update.contentType = .some(text.isEmpty ? nil : text)
        case "nbf", "exp":
            let date: Date?? = text.isEmpty ? .some(nil) : .some(try VaultTree.parseDate(text))
            if attribute == "nbf" { update.notBefore = date } else { update.expires = date }
        default:
            guard let data = text.data(using: .utf8),
                  let tags = try? JSONDecoder().decode([String: String].self, from: data) else {
                throw FileSystemError.invalidArgument
            }
            update.tags = tags
        }
        try apply(kind, vault: vault, name: object, version: version, update, keyOps: keyOps, caller: caller)
    }

    private func apply(_ kind: ObjectKind, vault: String, name: String, version: String?, _ update: AttributeUpdate,
                       keyOps: [KeyOperation]? = nil, caller: Caller) throws {
        if kind == .certificate {
            try engine.certificates.update(vault: vault, name: name, version: version, CertificateUpdate(attributes: update), as: caller)
        } else if kind == .key {
            try engine.keys.update(vault: vault, name: name, version: version, KeyUpdate(keyOps: keyOps, attributes: update), as: caller)
        } else {
            try engine.objects(kind).update(vault: vault, name: name, version: version, update, as: caller)
        }
    }

    public func removexattr(inode: UInt64, name: String, context: OperationContext) throws {
        let caller = callers.caller(context)
        let (kind, vault, object, version) = try updatable(inodes.node(inode))
        var update = AttributeUpdate()
        switch try settableName(name) {
        case "content_type": update.contentType = .some(nil)
        case "nbf": update.notBefore = .some(nil)
        case "exp": update.expires = .some(nil)
        case "tags": update.tags = [:]
        default: throw FileSystemError.notPermitted
        }
        try apply(kind, vault: vault, name: object, version: version, update, caller: caller)
    }

    private func settableName(_ name: String) throws -> String {
        guard name.hasPrefix(VaultTree.prefix) else { throw FileSystemError.notSupported }
        let attribute = String(name.dropFirst(VaultTree.prefix.count))
        guard VaultTree.settable.contains(attribute) else { throw FileSystemError.notPermitted }
        return attribute
    }

    /// The object behind a node whose attributes an update may change.
    private func updatable(_ node: Node) throws -> (ObjectKind, String, String, String?) {
        switch node {
        case .secret(let v, let name, let version): (.secret, v, name, version)
        case .key(let v, let name, let version): (.key, v, name, version)
        case .certificate(let v, let name, let version): (.certificate, v, name, version)
        case .deletedObject: throw FileSystemError.notPermitted
        default: throw FileSystemError.notSupported
        }
    }

    /// The `user.kv.*` values of a node (without the prefix); audited as a metadata read.
    func metadata(of node: Node, caller: Caller) throws -> [String: String] {
        switch node {
        case .secret(let v, let name, let version):
            try requireInFilter(v)
            let props = try engine.objects(.secret).properties(vault: v, name: name, version: version, as: caller)
            return VaultTree.values(props, id: props.id.description)
        case .key(let v, let name, let version):
            return try keyMetadata(v, name, version, caller: caller)
        case .certificate(let v, let name, let version):
            return try certificateMetadata(v, name, version, caller: caller)
        case .deletedObject(let v, let kind, let name):
            try requireInFilter(v)
            let deleted = try engine.objects(kind).deleted(vault: v, name: name, as: caller)
            var values = VaultTree.values(deleted.properties, id: deleted.properties.id.description)
            values["deleted_date"] = VaultTree.format(deleted.deletedDate)
            values["scheduled_purge_date"] = VaultTree.format(deleted.scheduledPurgeDate)
            values["recovery_id"] = deleted.recoveryID
            return values
        default:
            _ = try attributes(of: node, caller: caller)
            return [:]
        }
    }

    static func values(_ p: VersionProperties, id: String) -> [String: String] {
        var values: [String: String] = [
            "id": id,
            "version": p.version,
            "enabled": p.enabled ? "true" : "false",
            "created": format(p.created),
            "updated": format(p.updated),
            "recovery_level": p.recoveryLevel,
            "recoverable_days": String(p.recoverableDays),
        ]
        if let contentType = p.contentType { values["content_type"] = contentType }
        if let nbf = p.notBefore { values["nbf"] = format(nbf) }
        if let exp = p.expires { values["exp"] = format(exp) }
        if !p.tags.isEmpty {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            values["tags"] = (try? encoder.encode(p.tags)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
        if p.managed { values["managed"] = "true" }
        return values
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// ISO 8601 (`2027-01-31T00:00:00Z`, `2027-01-31`) or Unix seconds.
    static func parseDate(_ text: String) throws -> Date {
        if let seconds = Double(text) { return Date(timeIntervalSince1970: seconds) }
        let full = ISO8601DateFormatter()
        full.formatOptions = [.withInternetDateTime]
        if let date = full.date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        if let date = day.date(from: text) { return date }
        throw FileSystemError.invalidArgument
    }
}
