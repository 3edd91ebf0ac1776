import Foundation

/// The result of checking the audit chain.
public struct AuditVerification: Sendable, Equatable {
    /// Lines checked.
    public var lines: Int64
    /// The first problem found, or `nil` when the chain is intact.
    public var problem: String?
    /// Checkpoints checked (`verify(against:)`).
    public var checkpoints: Int = 0
    /// The first line whose chain was walked: 1 for a full check, the line after the newest checkpoint for an
    /// incremental one (the lines before it are vouched for by the checkpoint).
    public var firstLine: Int64 = 1
    /// The lines removed by `kvfs audit prune`, vouched for by the signed checkpoint made at the cut; `nil`
    /// when the log was never pruned.
    public var pruned: AuditPruning? = nil
    /// For an auditor who may read only some vaults' lines: those vaults (then `lines` counts only their lines
    /// and `problem` does not say where the chain broke). `nil` for the whole store.
    public var vaults: [String]? = nil
    public var isIntact: Bool { problem == nil }
}

/// What pruning removed: lines 1 through `throughLine`, all older than `before`, behind the signed checkpoint
/// of line `throughLine` made at the cut (which also leaves the store as an ordinary checkpoint).
public struct AuditPruning: Sendable, Equatable {
    /// The last removed line; verification starts at the line after it.
    public var throughLine: Int64
    /// The cut the owner asked for (lines older than this were removed), as an audit timestamp.
    public var before: String
    /// The checkpoint of line `throughLine`, signed when the lines were removed.
    public var checkpoint: AuditCheckpoint
}

/// Builds and checks audit lines. Each stored line is the record's JSON with a final `"mac"` field:
/// `mac = HMAC-SHA-256(auditKey, prev ‖ "\n" ‖ body)`, where `body` is the line without that field and the
/// key is derived from the master key — so a line cannot be edited, removed, reordered or forged without it.
/// The newest `seq:mac` is also kept in the store's metadata, so removing lines from the end is detected too.
/// What the store records of pruned lines: nothing, a valid prune checkpoint, or a bad one.
enum PruneRecord {
    case none
    case pruned(AuditPruning)
    case bad(AuditVerification)
}

enum AuditChain {
    static let genesis = String(repeating: "0", count: 64)
    static let headKey = "audit_head"
    /// The signed checkpoint of the last pruned line (`AuditCheckpoint.line`), absent until the log is pruned.
    static let baseKey = "audit_base"
    /// The cut of the last prune (an audit timestamp).
    static let baseBeforeKey = "audit_base_before"

    /// The record of pruned lines, checked: it must parse, be this store's, and be signed by `checkpointKey`.
    /// - Returns: `.none` when the log was never pruned; `.bad` with the problem when the record is bad.
    static func pruning(in tx: any StoreTransaction, checkpointKey: Ed25519PublicKey, realm: String) throws -> PruneRecord {
        guard let text = try tx.meta(baseKey) else { return .none }
        func bad(_ why: String) -> PruneRecord {
            .bad(AuditVerification(lines: 0, problem: "the store's record of pruned lines \(why): lines were removed from the start of the log without a prune, or the record was forged"))
        }
        guard let checkpoint = (try? AuditCheckpoint.parse(text))?.first else { return bad("does not parse") }
        guard checkpoint.realm == realm else { return bad("is of realm \(checkpoint.realm), not this store's") }
        guard checkpoint.isSigned(by: checkpointKey) else { return bad("is not signed by this store's checkpoint key \(checkpointKey.fingerprint)") }
        return .pruned(AuditPruning(throughLine: checkpoint.seq, before: try tx.meta(baseBeforeKey) ?? "", checkpoint: checkpoint))
    }

    /// `2026-11-29T02:21:09.098Z`. Formatted by hand: Foundation's formatter cost more than the rest of an
    /// audited read.
    static func timestamp(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        let millis = min(999, Int(((interval - Double(seconds)) * 1000).rounded(.down)))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }

    /// Appends `record` (its seq and prev are filled in here) in the transaction `tx`.
    static func append(_ record: AuditRecord, key: HMACSHA256Key, in tx: any StoreTransaction) throws {
        try append([record], key: key, in: tx)
    }

    /// Appends `records` in order in the transaction `tx`: the chain's end is read once and recorded once.
    static func append(_ records: [AuditRecord], key: HMACSHA256Key, in tx: any StoreTransaction) throws {
        guard !records.isEmpty else { return }
        let last = try tx.lastAudit()
        var seq = last?.seq ?? 0
        var previous = last?.mac ?? genesis
        for var record in records {
            seq += 1
            record.seq = seq
            record.prev = previous
            let body = record.jsonBody
            let mac = try key.mac(Array((previous + "\n" + body).utf8)).hexString
            try tx.appendAudit(AuditRow(seq: seq, line: String(body.dropLast()) + ",\"mac\":\"\(mac)\"}", mac: mac))
            previous = mac
        }
        try tx.setMeta(headKey, try head(seq: seq, mac: previous, key: key))
    }

    /// `seq:mac:seal`, where the seal is an HMAC of the other two under the audit key, so the head cannot be
    /// moved back to an earlier line without the key.
    static func head(seq: Int64, mac: String, key: HMACSHA256Key) throws -> String {
        let seal = try key.mac(Array("kvfs/v1/audit-head\n\(seq)\n\(mac)".utf8)).hexString
        return "\(seq):\(mac):\(seal)"
    }

    /// Splits a stored line into its body and MAC, or `nil` if it does not end in a MAC field.
    static func split(_ line: String) -> (body: String, mac: String)? {
        let suffixLength = ",\"mac\":\"".count + 64 + "\"}".count
        guard line.count > suffixLength else { return nil }
        let suffixStart = line.index(line.endIndex, offsetBy: -suffixLength)
        let suffix = line[suffixStart...]
        guard suffix.hasPrefix(",\"mac\":\""), suffix.hasSuffix("\"}") else { return nil }
        let mac = String(suffix.dropFirst(",\"mac\":\"".count).dropLast(2))
        return (String(line[..<suffixStart]) + "}", mac)
    }

    /// Checks every line in order against the key, the sequence and the recorded head (from the line after the
    /// signed prune checkpoint, when the log was pruned).
    static func verify(key: HMACSHA256Key, backend: any StoreBackend, checkpointKey: Ed25519PublicKey, realm: String) throws -> AuditVerification {
        try verify(key: key, backend: backend, against: [], full: true, checkpointKey: checkpointKey, realm: realm)
    }

    /// Checks the log against `checkpoints` (already known to be this store's and signed by the auditor's key):
    /// the log must reach each checkpoint's line and that line must carry the checkpoint's MAC. Then the chain
    /// is walked from the newest checkpoint (or from the first line when `full` or without checkpoints) to the
    /// end, and the end is compared with the sealed head.
    ///
    /// A pruned log starts after its prune checkpoint (`pruning`): the walk begins there even when `full`, a kept
    /// checkpoint of a pruned line cannot be checked any more and is passed over, and one of the cut's own line
    /// must carry the prune checkpoint's MAC.
    static func verify(key: HMACSHA256Key, backend: any StoreBackend, against checkpoints: [AuditCheckpoint],
                       full: Bool, checkpointKey: Ed25519PublicKey, realm: String) throws -> AuditVerification {
        try backend.read { tx in
            let end = try tx.lastAudit()?.seq ?? 0
            var pruned: AuditPruning?
            switch try pruning(in: tx, checkpointKey: checkpointKey, realm: realm) {
            case .bad(let problem): return problem
            case .pruned(let found): pruned = found
            case .none: break
            }
            let base: (seq: Int64, mac: String) = pruned.map { ($0.throughLine, $0.checkpoint.mac) } ?? (0, genesis)
            var start = base
            var vouched: [Int64: AuditCheckpoint] = [:]
            if let pruned { vouched[pruned.throughLine] = pruned.checkpoint }
            for checkpoint in checkpoints.sorted(by: { $0.seq < $1.seq }) {
                if let other = vouched[checkpoint.seq], other.mac != checkpoint.mac {
                    return AuditVerification(lines: 0, problem: "two checkpoints (\(other.time) and \(checkpoint.time)) vouch for different lines \(checkpoint.seq): the store's history was forked (a rolled-back store kept running, or a checkpoint forged with the master key)", checkpoints: checkpoints.count)
                }
                vouched[checkpoint.seq] = checkpoint
                guard checkpoint.seq <= end else {
                    return AuditVerification(lines: end, problem: "the log ends at line \(end) but the checkpoint of \(checkpoint.time) vouches for \(checkpoint.seq) lines: the store was rolled back to an older copy, or its log was truncated or emptied", checkpoints: checkpoints.count)
                }
                guard checkpoint.seq > base.seq else { continue }
                guard let row = try tx.auditRows(afterSeq: checkpoint.seq - 1, limit: 1).first, row.seq == checkpoint.seq else {
                    return AuditVerification(lines: 0, problem: "line \(checkpoint.seq), which the checkpoint of \(checkpoint.time) vouches for, is missing", checkpoints: checkpoints.count)
                }
                guard constantTimeEquals(Array(row.mac.utf8), Array(checkpoint.mac.utf8)), let (body, mac) = split(row.line), mac == row.mac,
                      let record = try? JSONDecoder().decode(AuditRecord.self, from: Data(body.utf8)),
                      constantTimeEquals(Array(try key.mac(Array((record.prev + "\n" + body).utf8)).hexString.utf8), Array(mac.utf8)) else {
                    return AuditVerification(lines: 0, problem: "line \(checkpoint.seq) is not the line the checkpoint of \(checkpoint.time) vouches for: the log was rewritten (its chain recomputed with the master key) or the store replaced by another copy", checkpoints: checkpoints.count)
                }
                start = (checkpoint.seq, checkpoint.mac)
            }
            if full { start = base }
            var result = try walk(from: start, key: key, in: tx)
            result.checkpoints = checkpoints.count
            result.pruned = pruned
            return result
        }
    }

    /// Walks the chain from the line after `start` to the end, then checks the sealed head.
    private static func walk(from start: (seq: Int64, mac: String), key: HMACSHA256Key, in tx: any StoreTransaction) throws -> AuditVerification {
        var previous = start.mac
        var expectedSeq: Int64 = start.seq + 1
        var after: Int64 = start.seq
        func failure(_ problem: String) -> AuditVerification {
            AuditVerification(lines: expectedSeq - 1, problem: problem, firstLine: start.seq + 1)
        }
        let decoder = JSONDecoder()
        while true {
            let rows = try tx.auditRows(afterSeq: after, limit: 1000)
            if rows.isEmpty { break }
            for row in rows {
                guard row.seq == expectedSeq else {
                    return failure("line \(expectedSeq) is missing (found \(row.seq) next)")
                }
                guard let (body, mac) = split(row.line), mac == row.mac else {
                    return failure("line \(row.seq) is malformed")
                }
                let expected = try key.mac(Array((previous + "\n" + body).utf8)).hexString
                guard constantTimeEquals(Array(expected.utf8), Array(mac.utf8)) else {
                    return failure("line \(row.seq) was edited, moved or forged (its MAC does not match)")
                }
                guard let record = try? decoder.decode(AuditRecord.self, from: Data(body.utf8)),
                      record.seq == row.seq, record.prev == previous else {
                    return failure("line \(row.seq) does not chain to the line before it")
                }
                previous = mac
                expectedSeq += 1
                after = row.seq
            }
        }
        let head = try tx.meta(headKey)
        let count = expectedSeq - 1
        if count == 0 && head == nil { return AuditVerification(lines: 0, problem: nil) }
        guard let head, constantTimeEquals(Array(head.utf8), Array(try self.head(seq: count, mac: previous, key: key).utf8)) else {
            return failure("the log ends at line \(count) but the store's sealed record of its end does not match: lines were removed from the end or the record was forged")
        }
        return AuditVerification(lines: count, problem: nil, firstLine: start.seq + 1)
    }
}
