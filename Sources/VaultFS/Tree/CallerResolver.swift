import Foundation
import Synchronization
import VaultEngine

/// Turns a request's uid, gid and pid into a `Caller` with its supplementary groups and executable read
/// from `/proc/<pid>`. The kernel's uid and gid always win; what `/proc` adds is cached per (pid, uid, gid)
/// for a second, so a burst of requests from one process reads `/proc` once.
final class CallerResolver: Sendable {
    private struct Key: Hashable {
        var pid: Int32
        var uid: UInt32
        var gid: UInt32
    }

    private let cache = Mutex<[Key: (caller: Caller, expires: UInt64)]>([:])
    private let lifetime: UInt64 = 1_000_000_000

    func caller(_ context: OperationContext) -> Caller {
        let key = Key(pid: context.pid, uid: context.uid, gid: context.gid)
        let now = DispatchTime.now().uptimeNanoseconds
        if let hit = cache.withLock({ $0[key] }), hit.expires > now { return hit.caller }
        let caller = Caller.fromProcess(uid: context.uid, gid: context.gid, pid: context.pid)
        cache.withLock { cache in
            if cache.count > 4096 { cache = cache.filter { $0.value.expires > now } }
            cache[key] = (caller, now + lifetime)
        }
        return caller
    }
}
