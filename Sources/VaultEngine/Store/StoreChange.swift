/// One entry of a store's change feed (docs/store-format.md): something about a vault, or one object in it,
/// changed — a new version, an attribute update, a delete, a recovery, a purge — in a transaction that
/// committed. Names only: the feed never holds a value.
public struct StoreChange: Sendable, Hashable {
    /// The feed's sequence number: it only grows, across every process and engine that writes the store.
    public var sequence: Int64
    /// The vault's name.
    public var vault: String
    /// The object's family; `nil` for a change of the vault itself (created, updated, deleted, purged).
    public var kind: ObjectKind?
    /// The object's name as stored; `nil` for a change of the vault itself.
    public var name: String?

    /// A change as the feed records it.
    public init(sequence: Int64, vault: String, kind: ObjectKind?, name: String?) {
        self.sequence = sequence
        self.vault = vault
        self.kind = kind
        self.name = name
    }
}

/// The changes after a sequence number, oldest first.
public struct StoreChangePage: Sendable, Hashable {
    /// The changes, oldest first (at most the limit asked for).
    public var changes: [StoreChange]
    /// The newest sequence number in the feed when it was read: read again after it for what follows.
    public var latest: Int64
    /// Rows after the asked-for number were pruned before they were read (the reader fell more than the
    /// feed's retention behind): treat everything as changed.
    public var gap: Bool
    /// More changes follow the last one returned (the limit was reached).
    public var hasMore: Bool
}
