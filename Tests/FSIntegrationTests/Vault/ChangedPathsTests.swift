import Testing
import VaultEngine
@testable import VaultFS

/// Which nodes a batch of store changes touches, and what open files learn of it.
@Suite struct ChangedPathsTests {
    @Test func anObjectTouchesItsFilesVersionsAndDeletedEntry() {
        var paths = ChangedPaths()
        paths.add(StoreChange(sequence: 1, vault: "App", kind: .key, name: "Signer"))
        for touched in ["app/keys/signer", "app/keys/signer/public.pem", "app/keys/.versions/signer/0123/key.jwk",
                        "app/.deleted/keys/signer"] {
            #expect(paths.touches(touched), "\(touched)")
        }
        for untouched in ["app/keys/signer2", "app/keys", "app/secrets/signer", "other/keys/signer", "app"] {
            #expect(!paths.touches(untouched), "\(untouched)")
        }
        #expect(paths.touchesChild(of: "app/keys") && !paths.touchesChild(of: "app/secrets"))
    }

    @Test func aVaultChangeTouchesTheWholeVaultAndAGapEverything() {
        var paths = ChangedPaths()
        #expect(paths.isEmpty)
        paths.add(StoreChange(sequence: 2, vault: "app", kind: nil, name: nil))
        #expect(paths.touches("app") && paths.touches("app/secrets/db") && !paths.touches("apple/secrets/db"))
        #expect(ChangedPaths.all.touches("anything/at/all"))
    }

    @Test func subscriptionsReportEachChangeOnce() {
        let subscriptions = ChangeSubscriptions()
        subscriptions.start(at: 10)
        subscriptions.opened(handle: 1, path: "app/secrets/db")
        subscriptions.opened(handle: 2, path: "app/secrets/other")
        #expect(subscriptions.poll(handle: 1, waiter: nil) == false)
        #expect(subscriptions.poll(handle: 9, waiter: nil) == nil, "not subscribed")
        var paths = ChangedPaths()
        paths.add(StoreChange(sequence: 11, vault: "app", kind: .secret, name: "DB"))
        subscriptions.changed(paths, at: 11)
        #expect(subscriptions.poll(handle: 1, waiter: nil) == true)
        #expect(subscriptions.poll(handle: 1, waiter: nil) == false, "reported once")
        #expect(subscriptions.poll(handle: 2, waiter: nil) == false, "another secret")
        // A file opened after a change learns only of later ones.
        subscriptions.opened(handle: 3, path: "app/secrets/db")
        #expect(subscriptions.poll(handle: 3, waiter: nil) == false)
        subscriptions.released(handle: 1)
        #expect(subscriptions.count == 2)
    }
}
