import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// One kind of place in the kvfs tree. Each kind answers for itself — the child a name stands for, what
/// `stat` shows a caller, its listing, opening, its `user.kv.*` metadata, removal — and `VaultTree` only
/// finds the node a request names and hands it the request. The defaults below are the answers of a node
/// that does not do the thing: a file has no children, a directory cannot be opened, and so on.
///
/// ```
/// RootNode               <mount>/
/// VaultNode              <vault>/
/// CollectionNode         <vault>/{secrets,keys,certificates}/
/// ControlNode            <vault>/{secrets,keys,certificates}/.ops
/// ManagementControlNode  <mount>/.audit, <mount>/.access
/// VersionsNode           <vault>/<collection>/.versions/
/// VersionListNode        <vault>/<collection>/.versions/<name>/
/// SecretNode             <vault>/secrets/<name>, …/.versions/<name>/<version>
/// SecretFormNode         <vault>/secrets/<name>.pem, <name>.pfx (a PKCS#12 certificate secret, decoded)
/// KeyNode                <vault>/keys/<name>/, …/.versions/<name>/<version>/
/// KeyFileNode            <key>/public.pem, <key>/key.jwk
/// KeyOpsNode             <key>/ops
/// CertificateNode        <vault>/certificates/<name>/, …/.versions/<name>/<version>/
/// CertificateFileNode    <certificate>/{cert.pem,cert.cer,policy.json,csr.pem}
/// DeletedRootNode        <vault>/.deleted/
/// DeletedCollectionNode  <vault>/.deleted/{secrets,keys,certificates}/
/// DeletedObjectNode      <vault>/.deleted/<collection>/<name>
/// ```
///
/// Names are held case-folded, so `DB` and `db` are one node (Azure names are case-insensitive); listings
/// show each object's name as it was first written.
protocol TreeNode: Sendable {
    /// The node's place below the mount, case-folded (`app/secrets/db`; the root is ""). One string per
    /// node: the inode table keys on it, and the inode number `stat` shows is derived from it.
    var path: String { get }
    /// Which kernel inode this node is: the inode table keys on it. The path, except where one place is
    /// several inodes over time (a secret's versions, see `SecretNode`).
    var identity: String { get }
    var isDirectory: Bool { get }

    /// The node a lookup hands the kernel for this place, with its attributes for `caller`; `thread` is the
    /// looking-up thread (what it is about to do may decide which inode it gets).
    /// - Throws: as `attributes(for:in:)`.
    func resolved(for caller: Caller, thread: Int32, in tree: TreeContext) throws -> (node: any TreeNode, attributes: FileAttributes)

    /// The node `name` names inside this one, judged by syntax alone.
    /// - Throws: `ENOTDIR` in a file, `ENOENT` for names that cannot exist here, `EINVAL` for object names
    ///   that break Azure's rule.
    func child(_ name: String) throws(FileSystemError) -> any TreeNode

    /// What `stat` shows `caller`: owner = the caller, the owner's mode bits = the caller's rights (see
    /// `ModeBits`), group and other bits clear.
    /// - Throws: `ENOENT`, `EACCES`, or an engine refusal.
    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes

    /// A directory's entries for `caller`, without `.` and `..`.
    /// - Throws: `ENOTDIR` for a file, or a refusal.
    func entries(for caller: Caller, in tree: TreeContext) throws -> [Listed]

    /// Opens the file with `open(2)` flags for `caller`.
    /// - Throws: `EISDIR` for a directory, or a refusal.
    func open(flags: Int32, caller: Caller, in tree: TreeContext) throws -> OpenHandle

    /// The `user.kv.*` values (without the prefix); reading them is audited as a metadata read.
    /// - Throws: a refusal.
    func metadata(for caller: Caller, in tree: TreeContext) throws -> [String: String]

    /// The object whose attributes `setfattr` changes through this node.
    /// - Throws: `ENOTSUP` where there is none, `EPERM` where it may not change.
    func updatableObject() throws(FileSystemError) -> ObjectAddress

    /// `rm` of this node. - Throws: the refusal.
    func unlink(as caller: Caller, in tree: TreeContext) throws
    /// `rmdir` of this node. - Throws: the refusal.
    func rmdir(as caller: Caller, in tree: TreeContext) throws
    /// Creates `name` in this directory (`O_CREAT` of a name the kernel found missing). - Throws: the refusal.
    func create(_ name: String, flags: Int32, caller: Caller, in tree: TreeContext) throws -> Created
    /// `truncate` of this node without an open handle. - Throws: the refusal.
    func truncate(to size: UInt64, caller: Caller, in tree: TreeContext) throws
}

/// One entry of a listing.
struct Listed {
    var name: String
    var node: any TreeNode
}

/// What `create` made: the node and its open handle.
struct Created {
    var node: any TreeNode
    var handle: OpenHandle
    /// The attributes the new entry shows.
    var attributes: FileAttributes
}

/// One object of a vault, or one version of it.
struct ObjectAddress: Hashable, Sendable {
    var kind: ObjectKind
    var vault: String
    var name: String
    var version: String?

    /// Where the object (or one version) sits in the tree: `<vault>/<collection>/<name>`, or
    /// `<vault>/<collection>/.versions/<name>/<version>`.
    var path: String {
        let collection = vault + "/" + kind.collection + "/"
        guard let version else { return collection + name }
        return collection + PathSyntax.versions + "/" + name + "/" + version
    }
}

extension TreeNode {
    var identity: String { path }

    func resolved(for caller: Caller, thread: Int32, in tree: TreeContext) throws -> (node: any TreeNode, attributes: FileAttributes) {
        (self, try attributes(for: caller, in: tree))
    }

    func child(_ name: String) throws(FileSystemError) -> any TreeNode { throw .notDirectory }

    func entries(for caller: Caller, in tree: TreeContext) throws -> [Listed] { throw FileSystemError.notDirectory }

    func open(flags: Int32, caller: Caller, in tree: TreeContext) throws -> OpenHandle { throw FileSystemError.isDirectory }

    func metadata(for caller: Caller, in tree: TreeContext) throws -> [String: String] {
        _ = try attributes(for: caller, in: tree)
        return [:]
    }

    func updatableObject() throws(FileSystemError) -> ObjectAddress { throw .notSupported }

    /// Generated files and the tree's own directories cannot be removed.
    func unlink(as caller: Caller, in tree: TreeContext) throws { throw FileSystemError.notPermitted }

    func rmdir(as caller: Caller, in tree: TreeContext) throws {
        throw isDirectory ? FileSystemError.notPermitted : FileSystemError.notDirectory
    }

    /// Only a collection of secrets takes new files; elsewhere a creation is `EPERM` once the name parses.
    func create(_ name: String, flags: Int32, caller: Caller, in tree: TreeContext) throws -> Created {
        _ = try child(name)
        throw FileSystemError.notPermitted
    }

    func truncate(to size: UInt64, caller: Caller, in tree: TreeContext) throws { throw FileSystemError.notPermitted }

    /// The inode number `stat` and listings show: the same for the life of the mount (and across mounts),
    /// whoever asks and however often the kernel forgets and looks the node up again.
    var inodeNumber: UInt64 { InodeNumber.of(path) }

    /// The same place as `other`.
    func isSame(as other: any TreeNode) -> Bool { path == other.path }

    /// A directory as `caller` sees it.
    func directory(_ permissions: mode_t, for caller: Caller, modified: Date, changed: Date? = nil) -> FileAttributes {
        FileAttributes(inode: inodeNumber, type: .directory, permissions: permissions, uid: caller.uid, gid: caller.gid,
                       modificationTime: modified, changeTime: changed)
    }

    /// A regular file as `caller` sees it.
    func file(_ permissions: mode_t, for caller: Caller, size: UInt64 = 0, modified: Date, changed: Date? = nil) -> FileAttributes {
        FileAttributes(inode: inodeNumber, type: .regularFile, permissions: permissions, uid: caller.uid, gid: caller.gid,
                       size: size, modificationTime: modified, changeTime: changed)
    }
}

/// The inode number a node shows, from its path: FNV-1a (64 bits) with the top bit clear, never 0 or 1 (the
/// root's). Two of a million nodes collide with a chance of about 5 in 10^8, and would only make two files
/// show one number: the kernel keys its inodes on the handles of `InodeTable`, never on these.
enum InodeNumber {
    static func of(_ path: String) -> UInt64 {
        if path.isEmpty { return InodeTable.rootInode }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in path.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        hash &= UInt64.max >> 1
        return hash < 2 ? hash + 2 : hash
    }
}

/// Object names and version ids in paths.
enum PathSyntax {
    static let versions = ".versions"
    static let deleted = ".deleted"
    static let control = ".ops"

    /// `name` case-folded, if it is a valid object name of `kind`.
    /// - Throws: `ENAMETOOLONG` past 127 bytes, `EINVAL` for another name that breaks Azure's rule.
    static func objectName(_ name: String, _ kind: ObjectKind) throws(FileSystemError) -> String {
        if Names.isTooLongForObject(name) { throw FileSystemError(ENAMETOOLONG) }
        guard (try? Names.validateObject(name, kind: kind)) != nil else { throw .invalidArgument }
        return Names.key(name)
    }

    /// A version id: 32 hex digits.
    static func isVersion(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) || (65...70).contains($0) }
    }

    /// The collection `name` names, spelled exactly (`secrets`, `keys`, `certificates`).
    static func collection(_ name: String) -> ObjectKind? {
        guard let kind = ObjectKind(collection: name), name == kind.collection else { return nil }
        return kind
    }
}

/// A key's or certificate's directory (or one version's): shown for a caller with a right on the object, `r`
/// with read-metadata, dated by the version.
protocol ObjectDirectoryNode: TreeNode {
    var object: ObjectAddress { get }
}

extension ObjectDirectoryNode {
    var path: String { object.path }
    var isDirectory: Bool { true }

    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        let (can, properties) = try tree.existing(object, caller: caller)
        return directory(ModeBits.objectDirectory(can), for: caller, modified: properties.created,
                         changed: properties.updated)
    }
}
