import Testing
@testable import VaultEngine

/// The parsed-key cache frees a private key once it has been idle for its lifetime, which a front-end sets.
@Suite struct KeyMaterialCacheTests {
    /// Whether `id` is still parsed: asking for it runs `load` only when it is not.
    static func isCached(_ cache: KeyMaterialCache, _ id: String, _ key: PrivateKey) throws -> Bool {
        var loaded = false
        _ = try cache.privateKey(id) { loaded = true; return key }
        return !loaded
    }

    @Test func aKeyIdleForItsLifetimeIsFreedAtTheNextSweep() throws {
        let key = try PrivateKey.generate(curve: .p256)
        let cache = KeyMaterialCache()
        #expect(cache.idleLifetime == 30_000_000_000)
        _ = try cache.privateKey("v/1") { key }
        cache.evictIdle()
        #expect(try Self.isCached(cache, "v/1", key), "a key used just now outlived a sweep under the 30 s lifetime")

        cache.idleLifetime = 0
        cache.evictIdle()
        #expect(try !Self.isCached(cache, "v/1", key), "a key idle past a zero lifetime was not freed")
    }

    @Test func housekeepingSetsTheLifetime() throws {
        let store = try TestStore()
        store.engine.housekeeping.keyCacheLifetime = 1.5
        #expect(store.engine.housekeeping.keyCacheLifetime == 1.5)
        store.engine.housekeeping.keyCacheLifetime = -3
        #expect(store.engine.housekeeping.keyCacheLifetime == 0)
    }
}
