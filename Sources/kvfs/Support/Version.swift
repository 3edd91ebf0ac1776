/// kvfs's release, printed by `kvfs --version`. Bumped by whoever cuts a release; the store's on-disk
/// format has its own version (docs/store-format.md), independent of this one.
enum KVFSVersion {
    static let current = "0.1.0"
}
