/// A data-plane permission, spelled exactly as Azure's RBAC data actions (`Microsoft.KeyVault/vaults/...`).
public struct DataAction: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The full action string.
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }
    public static func < (a: DataAction, b: DataAction) -> Bool { a.rawValue < b.rawValue }

    private static let prefix = "Microsoft.KeyVault/vaults/"
    private static func make(_ tail: String) -> DataAction { DataAction(prefix + tail) }

    public enum Secrets {
        public static let getSecret = make("secrets/getSecret/action")
        public static let setSecret = make("secrets/setSecret/action")
        public static let readMetadata = make("secrets/readMetadata/action")
        public static let update = make("secrets/update/action")
        public static let delete = make("secrets/delete")
        public static let recover = make("secrets/recover/action")
        public static let purge = make("secrets/purge/action")
        public static let backup = make("secrets/backup/action")
        public static let restore = make("secrets/restore/action")
        public static let all = [getSecret, setSecret, readMetadata, update, delete, recover, purge, backup, restore]
    }

    public enum Keys {
        public static let read = make("keys/read")
        public static let create = make("keys/create/action")
        public static let `import` = make("keys/import/action")
        public static let update = make("keys/update/action")
        public static let delete = make("keys/delete")
        public static let recover = make("keys/recover/action")
        public static let purge = make("keys/purge/action")
        public static let backup = make("keys/backup/action")
        public static let restore = make("keys/restore/action")
        public static let encrypt = make("keys/encrypt/action")
        public static let decrypt = make("keys/decrypt/action")
        public static let wrap = make("keys/wrap/action")
        public static let unwrap = make("keys/unwrap/action")
        public static let sign = make("keys/sign/action")
        public static let verify = make("keys/verify/action")
        public static let release = make("keys/release/action")
        public static let rotate = make("keys/rotate/action")
        public static let rotationPolicyRead = make("keyrotationpolicies/read")
        public static let rotationPolicyWrite = make("keyrotationpolicies/write")
        public static let all = [read, create, `import`, update, delete, recover, purge, backup, restore, encrypt,
                                 decrypt, wrap, unwrap, sign, verify, release, rotate, rotationPolicyRead, rotationPolicyWrite]
    }

    public enum Certificates {
        public static let read = make("certificates/read")
        public static let create = make("certificates/create/action")
        public static let `import` = make("certificates/import/action")
        public static let update = make("certificates/update/action")
        public static let delete = make("certificates/delete")
        public static let recover = make("certificates/recover/action")
        public static let purge = make("certificates/purge/action")
        public static let backup = make("certificates/backup/action")
        public static let restore = make("certificates/restore/action")
        public static let issuersRead = make("certificatecas/read")
        public static let issuersWrite = make("certificatecas/write")
        public static let issuersDelete = make("certificatecas/delete")
        public static let contactsWrite = make("certificatecontacts/write")
        public static let all = [read, create, `import`, update, delete, recover, purge, backup, restore,
                                 issuersRead, issuersWrite, issuersDelete, contactsWrite]
    }

    /// Every data action kvfs decides on.
    public static let all: [DataAction] = Secrets.all + Keys.all + Certificates.all
    static let known: Set<DataAction> = Set(all)

    /// Whether this action matches an Azure action pattern, where `*` stands for any run of characters.
    /// Matching ignores case, as Azure's does.
    public func matches(pattern: String) -> Bool {
        Glob.matches(Array(pattern.lowercased().utf8), Array(rawValue.lowercased().utf8))
    }
}

enum Glob {
    /// Iterative wildcard match with backtracking to the last `*`.
    static func matches(_ pattern: [UInt8], _ text: [UInt8]) -> Bool {
        var p = 0, t = 0, star = -1, mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == text[t] {
                p += 1; t += 1
            } else if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = p; mark = t; p += 1
            } else if star >= 0 {
                p = star + 1; mark += 1; t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
