import Synchronization

/// Serial numbers that make each lookup for an open that writes a secret its own inode (`SecretNode.Held.writer`).
enum WriterSerial {
    private static let last = Atomic<UInt64>(0)

    static func next() -> UInt64 { last.add(1, ordering: .relaxed).newValue }
}
