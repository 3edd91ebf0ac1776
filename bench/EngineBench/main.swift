// Engine throughput: secret set and get per second with 10k and 100k secrets in one vault.
// Run: swift run -c release kvfs-bench [--small]
// Audit verify, full against incremental from a checkpoint: swift run -c release kvfs-bench --audit [lines]
import Foundation
import VaultEngine

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

if let flag = CommandLine.arguments.firstIndex(of: "--audit") {
    try auditBench(lines: CommandLine.arguments.dropFirst(flag + 1).first.flatMap { Int($0) } ?? 100_000)
    exit(0)
}

/// Fills a log with `lines` read lines, then times `audit verify` walking every line against verifying from a
/// checkpoint made 1,000 lines before the end (what a periodic auditor does).
func auditBench(lines: Int) throws {
    let directory = NSTemporaryDirectory() + "kvfs-bench-audit-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let owner = Caller(uid: getuid(), gid: getgid(), pid: getpid())
    let engine = try VaultEngine.initialize(at: StoreLocation(directory: directory))
    try engine.vaults.create(named: "bench", as: owner)
    // One line per request: with folding, identical reads would make one line a second.
    engine.audit.aggregationWindow = 0
    var checkpoint: AuditCheckpoint?
    let fill = try seconds {
        while true {
            let head = try engine.audit.checkpoint(as: owner)
            if head.seq >= Int64(lines - 1_000) && checkpoint == nil { checkpoint = head }
            if head.seq >= Int64(lines) { break }
            for _ in 0..<1_000 { _ = try? engine.vaults.show(named: "bench", as: owner) }
        }
    }
    let key = try engine.audit.checkpointKey(as: owner)
    var full: AuditVerification?, incremental: AuditVerification?
    let fullTime = try seconds { full = try engine.audit.verify(against: [checkpoint!], publicKey: key, full: true, as: owner) }
    let incrementalTime = try seconds { incremental = try engine.audit.verify(against: [checkpoint!], publicKey: key, as: owner) }
    guard let full, let incremental, full.isIntact, incremental.isIntact else { fatalError("the log does not verify") }
    print(String(format: "audit: %d lines (filled in %.1f s); verify every line %.3f s (%.1f µs/line); from a checkpoint %d lines back %.3f s; ratio %.0fx",
                 full.lines, fill, fullTime, fullTime * 1e6 / Double(full.lines), full.lines - checkpoint!.seq, incrementalTime, fullTime / incrementalTime))
    // Pruning all but the newest lines behind a signed checkpoint, then verifying what is left from it.
    var pruned: AuditPruning?
    let pruneTime = try seconds { pruned = try engine.audit.prune(before: Date().addingTimeInterval(1), as: owner) }
    var after: AuditVerification?
    let afterTime = try seconds { after = try engine.audit.verify(as: owner) }
    guard let pruned, let after, after.isIntact, after.pruned?.throughLine == pruned.throughLine else { fatalError("the pruned log does not verify") }
    print(String(format: "audit prune: %d lines removed behind a checkpoint in %.3f s; verify afterwards walks %d lines in %.3f s (ratio to the full walk %.0fx)",
                 pruned.throughLine, pruneTime, after.lines - after.firstLine + 1, afterTime, fullTime / afterTime))
}

let small = CommandLine.arguments.contains("--small")
let sizes = small ? [1_000, 10_000] : [10_000, 100_000]
let sampleOps = small ? 2_000 : 5_000
let directory = NSTemporaryDirectory() + "kvfs-bench-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: directory) }

let owner = Caller(uid: getuid(), gid: getgid(), pid: getpid())
let app = Caller(uid: 50_001, gid: 50_001, pid: getpid())
let engine = try VaultEngine.initialize(at: StoreLocation(directory: directory))
try engine.vaults.create(named: "bench", as: owner)
try engine.access.createPrincipal(named: "app", kind: .user, unixID: app.uid, as: owner)
try engine.access.assign(principal: "app", role: .secretsOfficer, scope: Scope(vault: "bench"), as: owner)
let value = Array(repeating: UInt8(ascii: "v"), count: 64)

var filled = 0
var results: [(size: Int, setPerSecond: Double, getPerSecond: Double)] = []
for size in sizes {
    let fill = size - filled
    let fillTime = try seconds {
        for i in filled..<size { try engine.secrets.set(vault: "bench", name: "s\(i)", value: value, as: app) }
    }
    filled = size
    // New versions of existing secrets, spread over the vault.
    let setTime = try seconds {
        for i in 0..<sampleOps { try engine.secrets.set(vault: "bench", name: "s\((i * 7919) % size)", value: value, as: app) }
    }
    var generator = SystemRandomNumberGenerator()
    let getTime = try seconds {
        for _ in 0..<sampleOps {
            let secret = try engine.secrets.get(vault: "bench", name: "s\(Int.random(in: 0..<size, using: &generator))", as: app)
            precondition(secret.value.count == value.count)
        }
    }
    let result = (size: size, setPerSecond: Double(sampleOps) / setTime, getPerSecond: Double(sampleOps) / getTime)
    results.append(result)
    print(String(format: "%7d secrets: fill %.0f/s, set %.0f/s (%.1f µs), get %.0f/s (%.1f µs)", size,
                 Double(fill) / fillTime, result.setPerSecond, 1e6 / result.setPerSecond, result.getPerSecond, 1e6 / result.getPerSecond))
}
if let first = results.first, let last = results.last, results.count > 1 {
    print(String(format: "cost growth %dx secrets: set %.2fx, get %.2fx (1.00 = flat)", last.size / first.size,
                 first.setPerSecond / last.setPerSecond, first.getPerSecond / last.getPerSecond))
}
