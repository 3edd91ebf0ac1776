import Foundation

/// The engine's own work, run by a long-lived front-end (a mount's timer, and next the REST server): the
/// automatic purge of what outlived its retention, certificate renewal by AutoRenew lifetime actions, and
/// dropping idle key material. Opening a store never runs it; every line it writes names the system as caller.
public struct Housekeeping: Sendable {
    let context: EngineContext

    /// Purges every object and vault whose scheduled purge date has passed, recording each in the audit log,
    /// then renews the certificates whose AutoRenew lifetime action is due (`renewDueCertificates()`) and
    /// rotates the keys whose rotation policy says so (`rotateDueKeys()`).
    /// - Throws: store errors.
    public func run() throws {
        try purgeExpired()
        try renewDueCertificates()
        try rotateDueKeys()
    }

    /// Rotates every key whose rotation policy's Rotate action is due, and records a KeyNearExpiry audit line
    /// once per version whose Notify action is due; returns the rotated keys' "vault/name".
    /// - Throws: store errors (a key that fails to rotate is logged and skipped).
    @discardableResult
    public func rotateDueKeys() throws -> [String] {
        try KeyService(context: context).rotateDueKeys()
    }

    /// How long a parsed private key stays in memory after its last use: 30 seconds unless set (`kvfs mount
    /// --key-cache-lifetime`). 0 frees each key when its operation ends.
    public var keyCacheLifetime: TimeInterval {
        get { Double(context.keyMaterial.idleLifetime) / 1e9 }
        nonmutating set { context.keyMaterial.idleLifetime = UInt64(max(0, newValue) * 1e9) }
    }

    /// Frees the parsed private keys idle for longer than `keyCacheLifetime`. Cheap; a long-running front-end
    /// calls it at least once a second.
    public func dropIdleKeys() {
        context.keyMaterial.evictIdle()
    }

    /// Purges every object and vault whose scheduled purge date has passed, and drops key material idle for
    /// longer than its cache lifetime.
    /// - Throws: store errors.
    public func purgeExpired() throws {
        context.keyMaterial.evictIdle()
        try context.backend.write { tx in try context.purgeExpired(in: tx) }
    }

    /// Renews every certificate whose AutoRenew lifetime action is due; returns their "vault/name".
    /// - Throws: store errors (a certificate that fails to renew is logged and skipped).
    @discardableResult
    public func renewDueCertificates() throws -> [String] {
        try context.renewDueCertificates()
    }
}
