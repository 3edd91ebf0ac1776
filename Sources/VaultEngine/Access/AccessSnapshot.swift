import Synchronization

/// Principals, role assignments and live vault names as of one generation of the store, kept in memory so
/// that deciding a request costs one tiny query (the generation) instead of reading the tables. Every
/// transaction that changes principals, assignments or vaults bumps the generation (in any process), so a
/// revoked role stops working at once, in every mount.
struct AccessSnapshot: Sendable {
    var principals: [Principal]
    var assignmentsByPrincipal: [String: [RoleAssignment]]
    var liveVaults: Set<String>
    /// Whether any principal is bound to a group (only then are a caller's supplementary groups read).
    var hasGroupPrincipals: Bool
    /// The uids that some workload principal names: only a caller with one of them has its workload read.
    var workloadUIDs: Set<UInt32>

    init(principals: [Principal], assignments: [RoleAssignment], vaults: [VaultRecord]) {
        self.principals = principals
        assignmentsByPrincipal = Dictionary(grouping: assignments, by: { Names.key($0.principal) })
        liveVaults = Set(vaults.filter { $0.deletedDate == nil }.map(\.nameKey))
        hasGroupPrincipals = principals.contains { $0.kind == .group || $0.selectors?.gid != nil }
        workloadUIDs = Set(principals.filter { $0.kind == .workload }.map(\.unixID))
    }

    /// The assignments that apply to `caller`, in creation order.
    ///
    /// A caller whose uid some workload principal names has its workload identified first; when that fails
    /// (the process vanished, its cgroup names two containers, it sits in a pid namespace the daemon cannot
    /// see) the caller is refused outright, since it cannot be told which principals it is.
    /// - Throws: `.accessDenied` with the reason, when the caller's workload could not be identified.
    func assignments(for caller: Caller) throws -> [RoleAssignment] {
        let caller = hasGroupPrincipals ? caller.resolvingGroups() : caller
        if workloadUIDs.contains(caller.uid), let lookup = caller.workload {
            let needsDigest = principals.contains { $0.kind == .workload && $0.unixID == caller.uid && $0.selectors?.executableSHA256 != nil }
            if case .unidentified(let reason) = lookup.identification(withDigest: needsDigest) {
                throw VaultError(.accessDenied, "Caller \(caller) could not be identified for its workload: \(reason).",
                                 cause: AccessDenial(reason: "WorkloadUnidentified: \(reason)"))
            }
        }
        return principals.filter { $0.matches(caller) }
            .flatMap { assignmentsByPrincipal[Names.key($0.name)] ?? [] }
            .sorted { $0.created < $1.created }
    }
}

/// Holds the current `AccessSnapshot` and the store generation it was read at.
final class AccessSnapshotCache: Sendable {
    private let state = Mutex<(snapshot: AccessSnapshot, generation: String)?>(nil)

    /// The cached snapshot when it was read at `generation`, else a new one read with `load`.
    func snapshot(generation: String, _ load: () throws -> AccessSnapshot) rethrows -> AccessSnapshot {
        if let cached = state.withLock({ $0 }), cached.generation == generation { return cached.snapshot }
        let fresh = try load()
        state.withLock { $0 = (fresh, generation) }
        return fresh
    }

    /// The meta key holding the generation.
    static let generationKey = "access_generation"
}
