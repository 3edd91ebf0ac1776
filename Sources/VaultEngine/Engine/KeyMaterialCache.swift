import Foundation
import Synchronization

/// Parsed key material of recently used key versions. OpenSSL 3 takes far longer to decode a PKCS#8 or
/// SubjectPublicKeyInfo than to sign with the result, so a key in use stays parsed. Key versions never change
/// (their material is fixed at creation, and a version id is never reused), so an entry needs no check
/// against the store; everything that may change — enabled, key_ops, dates, deletion — is decided from the
/// version's row on every request before the cached key is used.
///
/// A private key leaves memory (its `EVP_PKEY` freed, which OpenSSL wipes) `idleLifetime` after its last use
/// (30 seconds unless set), and at once when this engine purges anything. A front-end that runs long calls
/// `evictIdle()` at least once a second so that an idle key does not outstay its lifetime.
final class KeyMaterialCache: Sendable {
    private struct State {
        var privates: [String: (key: PrivateKey, lastUse: UInt64)] = [:]
        var publics: [String: PublicKey] = [:]
        var lastSweep: UInt64 = 0
        var idleLifetime: UInt64 = KeyMaterialCache.defaultIdleLifetime
    }

    private let state = Mutex(State())
    /// 30 seconds, in nanoseconds.
    static let defaultIdleLifetime: UInt64 = 30_000_000_000
    private static let longestSweepInterval: UInt64 = 5_000_000_000

    /// How long a parsed private key stays in memory after its last use, in nanoseconds.
    var idleLifetime: UInt64 {
        get { state.withLock { $0.idleLifetime } }
        set { state.withLock { $0.idleLifetime = newValue } }
    }

    /// The private key of version `id`, parsed by `load` when it is not in memory.
    func privateKey(_ id: String, load: () throws -> PrivateKey) throws -> PrivateKey {
        let now = DispatchTime.now().uptimeNanoseconds
        if let hit = state.withLock({ state -> PrivateKey? in
            sweepIfDue(&state, now: now)
            guard let entry = state.privates[id] else { return nil }
            state.privates[id] = (entry.key, now)
            return entry.key
        }) {
            return hit
        }
        let key = try load()
        state.withLock { $0.privates[id] = (key, now) }
        return key
    }

    /// The public key of version `id`, parsed by `load` when it is not in memory.
    func publicKey(_ id: String, load: () throws -> PublicKey) throws -> PublicKey {
        if let hit = state.withLock({ $0.publics[id] }) { return hit }
        let key = try load()
        state.withLock { state in
            if state.publics.count > 10_000 { state.publics.removeAll() }
            state.publics[id] = key
        }
        return key
    }

    /// Frees private keys idle for longer than the lifetime.
    func evictIdle() {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { state in
            state.lastSweep = 0
            sweepIfDue(&state, now: now)
        }
    }

    /// Frees every private key.
    func removeAll() {
        state.withLock { state in
            state.privates.removeAll()
            state.publics.removeAll()
        }
    }

    private func sweepIfDue(_ state: inout State, now: UInt64) {
        let lifetime = state.idleLifetime
        guard now &- state.lastSweep >= min(KeyMaterialCache.longestSweepInterval, lifetime) else { return }
        state.lastSweep = now
        state.privates = state.privates.filter { now &- $0.value.lastUse < lifetime }
    }
}
