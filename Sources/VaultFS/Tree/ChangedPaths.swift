import VaultEngine

/// The places in the tree that one batch of store changes touches, as case-folded path prefixes: a node is
/// touched when its path is a prefix or lies below one. A changed object touches its file or directory
/// (`v/secrets/db`, `v/keys/k/…`), its versions (`v/secrets/.versions/db/…`), its deleted entry
/// (`v/.deleted/secrets/db`) and its collection folder (a listing may change); a changed vault, the whole vault.
struct ChangedPaths: Sendable {
    private(set) var prefixes: Set<String> = []
    /// Everything changed (the feed had a gap): every node is touched.
    private(set) var everything = false

    init() {}

    /// Every node.
    static var all: ChangedPaths {
        var paths = ChangedPaths()
        paths.everything = true
        return paths
    }

    mutating func add(_ change: StoreChange) {
        let vault = Names.key(change.vault)
        guard let kind = change.kind, let name = change.name.map(Names.key) else {
            prefixes.insert(vault)
            return
        }
        let collection = vault + "/" + kind.collection
        prefixes.insert(collection + "/" + name)
        prefixes.insert(collection + "/" + PathSyntax.versions + "/" + name)
        prefixes.insert(vault + "/" + PathSyntax.deleted + "/" + kind.collection + "/" + name)
    }

    var isEmpty: Bool { !everything && prefixes.isEmpty }

    /// Whether the node at `path` is touched.
    func touches(_ path: String) -> Bool {
        if everything { return true }
        if prefixes.contains(path) { return true }
        // Walk up the path: `v/keys/k/public.pem` is touched by `v/keys/k`, and by `v`.
        var end = path.endIndex
        while let slash = path[path.startIndex..<end].lastIndex(of: "/") {
            if prefixes.contains(String(path[path.startIndex..<slash])) { return true }
            end = slash
        }
        return false
    }

    /// Whether the directory at `path` lists a touched node (its listing or times may change).
    func touchesChild(of path: String) -> Bool {
        if everything { return true }
        return prefixes.contains { $0.hasPrefix(path + "/") && !$0.dropFirst(path.count + 1).contains("/") }
    }
}
