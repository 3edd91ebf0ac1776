import Foundation

/// `StoreTransaction` over one SQLite connection, valid only inside a read or write closure.
struct SQLiteTransaction: StoreTransaction {
    let db: SQLiteConnection

    private func rows(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws -> [SQLiteRow] {
        try db.rows(sql, arguments)
    }

    private func row(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws -> SQLiteRow? {
        try db.row(sql, arguments)
    }

    private func run(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws {
        try db.run(sql, arguments)
    }

    // MARK: meta

    func meta(_ key: String) throws -> String? {
        try row("SELECT value FROM meta WHERE key = ?", [key]).map { try StoredRow($0, "meta")("value") }
    }

    func setMeta(_ key: String, _ value: String) throws {
        try run("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])
    }

    // MARK: vaults

    func vault(nameKey: String) throws -> VaultRecord? {
        try row("SELECT * FROM vaults WHERE name_key = ?", [nameKey]).map(Self.vault)
    }

    func vaults() throws -> [VaultRecord] {
        try rows("SELECT * FROM vaults ORDER BY name_key").map(Self.vault)
    }

    func vaults(purgeDueBy date: Date) throws -> [VaultRecord] {
        try rows("SELECT * FROM vaults WHERE scheduled_purge IS NOT NULL AND scheduled_purge <= ?", [date.timeIntervalSince1970]).map(Self.vault)
    }

    func vaultName(id: String) throws -> String? {
        try row("SELECT name FROM vaults WHERE id = ?", [id]).map { try StoredRow($0, "vault")("name") }
    }

    func insertVault(_ v: VaultRecord) throws {
        try run("""
            INSERT INTO vaults(id, name, name_key, sku, retention_days, purge_protection, created, updated,
                               deleted_date, scheduled_purge, data_key)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [v.id, v.name, v.nameKey, v.sku.rawValue, v.retentionDays, v.purgeProtection,
                             v.created.timeIntervalSince1970, v.updated.timeIntervalSince1970,
                             v.deletedDate?.timeIntervalSince1970, v.scheduledPurgeDate?.timeIntervalSince1970, Data(v.dataKey)])
    }

    func updateVault(_ v: VaultRecord) throws {
        try run("""
            UPDATE vaults SET sku = ?, purge_protection = ?, updated = ?, deleted_date = ?, scheduled_purge = ?
            WHERE id = ?
            """, [v.sku.rawValue, v.purgeProtection, v.updated.timeIntervalSince1970,
                             v.deletedDate?.timeIntervalSince1970, v.scheduledPurgeDate?.timeIntervalSince1970, v.id])
    }

    func removeVault(id: String) throws {
        try run("DELETE FROM vaults WHERE id = ?", [id])
    }

    private static func vault(_ row: SQLiteRow) throws -> VaultRecord {
        let r = StoredRow(row, "vault")
        let name: String = try r("name")
        guard let sku = VaultSku(rawValue: try r("sku")) else {
            throw VaultError(.corrupted, "Vault '\(Names.printable(name))' has an unknown sku in the store.")
        }
        return VaultRecord(id: try r("id"), name: name, sku: sku, retentionDays: try r("retention_days"),
                           purgeProtection: try r("purge_protection"), created: try r.date("created"),
                           updated: try r.date("updated"), deletedDate: try r.optionalDate("deleted_date"),
                           scheduledPurgeDate: try r.optionalDate("scheduled_purge"), dataKey: [UInt8](try r("data_key") as Data))
    }

    // MARK: principals and assignments

    func principals() throws -> [Principal] {
        // Named columns: formats 1 and 2 have no `selectors` column, which reads as NULL there.
        let selectors = try Self.hasWorkloadSelectors(meta("format")) ? "selectors" : "NULL AS selectors"
        return try rows("SELECT name, name_key, kind, unix_id, created, \(selectors) FROM principals ORDER BY name_key").map(Self.principal)
    }

    func insertPrincipal(_ p: Principal) throws {
        guard p.kind == .workload else {
            try run("INSERT INTO principals(name, name_key, kind, unix_id, created) VALUES (?, ?, ?, ?, ?)", [p.name, Names.key(p.name), p.kind.rawValue, Int64(p.unixID), p.created.timeIntervalSince1970])
            return
        }
        if try !Self.hasWorkloadSelectors(meta("format")) {
            try db.execute(Schema.version3Migration)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let selectors = String(decoding: try encoder.encode(p.selectors ?? WorkloadSelectors()), as: UTF8.self)
        try run("INSERT INTO principals(name, name_key, kind, unix_id, created, selectors) VALUES (?, ?, ?, ?, ?, ?)",
                [p.name, Names.key(p.name), p.kind.rawValue, Int64(p.unixID), p.created.timeIntervalSince1970, selectors])
    }

    /// Whether a store of this format has the principals' `selectors` column (format 3 on).
    private static func hasWorkloadSelectors(_ format: String?) -> Bool {
        (format.flatMap { Int($0) } ?? 1) >= 3
    }

    func removePrincipal(nameKey: String) throws {
        try run("DELETE FROM principals WHERE name_key = ?", [nameKey])
    }

    private static func principal(_ row: SQLiteRow) throws -> Principal {
        let r = StoredRow(row, "principal")
        let name: String = try r("name")
        guard let kind = Principal.Kind(rawValue: try r("kind")), let unixID = UInt32(exactly: try r("unix_id") as Int64) else {
            throw VaultError(.corrupted, "Principal '\(Names.printable(name))' has an unknown kind or id in the store.")
        }
        var selectors: WorkloadSelectors?
        if kind == .workload {
            guard case .text(let json)? = row["selectors"],
                  let decoded = try? JSONDecoder().decode(WorkloadSelectors.self, from: Data(json.utf8)),
                  let valid = try? WorkloadRules.validated(decoded), valid == decoded else {
                throw VaultError(.corrupted, "Workload principal '\(Names.printable(name))' has unreadable selectors in the store.")
            }
            selectors = valid
        }
        return Principal(name: name, kind: kind, unixID: unixID, selectors: selectors, created: try r.date("created"))
    }

    private static let assignmentColumns = """
        SELECT a.id, p.name AS principal, a.role_id, a.scope, a.created
        FROM role_assignments a JOIN principals p ON p.name_key = a.principal_key
        """

    func assignments() throws -> [RoleAssignment] {
        try rows(Self.assignmentColumns + " ORDER BY a.scope_key, p.name_key, a.role_id").map(Self.assignment)
    }

    func assignments(principalKeys: [String]) throws -> [RoleAssignment] {
        guard !principalKeys.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: principalKeys.count).joined(separator: ",")
        return try rows(Self.assignmentColumns + " WHERE a.principal_key IN (\(placeholders)) ORDER BY a.created", principalKeys).map(Self.assignment)
    }

    func insertAssignment(_ a: RoleAssignment) throws {
        try run("""
            INSERT INTO role_assignments(id, principal_key, role_id, scope, scope_key, vault_key, created)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [a.id, Names.key(a.principal), a.role.id, a.scope.description, a.scope.key,
                             Names.key(a.scope.vault), a.created.timeIntervalSince1970])
    }

    func removeAssignment(id: String) throws {
        try run("DELETE FROM role_assignments WHERE id = ?", [id])
    }

    func removeAssignments(vaultKey: String) throws {
        try run("DELETE FROM role_assignments WHERE vault_key = ?", [vaultKey])
    }

    private static func assignment(_ row: SQLiteRow) throws -> RoleAssignment {
        let r = StoredRow(row, "role assignment")
        let id: String = try r("id")
        guard let role = BuiltInRole.named(try r("role_id")), let scope = try? Scope(parsing: try r("scope")) else {
            throw VaultError(.corrupted, "Role assignment \(Names.printable(id)) names an unknown role or scope in the store.")
        }
        return RoleAssignment(id: id, principal: try r("principal"), role: role, scope: scope, created: try r.date("created"))
    }

    // MARK: objects and versions

    func object(vaultID: String, kind: ObjectKind, nameKey: String) throws -> ObjectRecord? {
        try row("SELECT * FROM objects WHERE vault_id = ? AND kind = ? AND name_key = ?", [vaultID, kind.rawValue, nameKey]).map(Self.object)
    }

    func objects(vaultID: String, kind: ObjectKind, deleted: Bool) throws -> [ObjectRecord] {
        try rows("""
            SELECT * FROM objects WHERE vault_id = ? AND kind = ? AND (deleted_date IS NOT NULL) = ? ORDER BY name_key
            """, [vaultID, kind.rawValue, deleted]).map(Self.object)
    }

    func objects(purgeDueBy date: Date) throws -> [ObjectRecord] {
        try rows("SELECT * FROM objects WHERE scheduled_purge IS NOT NULL AND scheduled_purge <= ?", [date.timeIntervalSince1970]).map(Self.object)
    }

    func insertObject(_ o: ObjectRecord) throws -> Int64 {
        try run("""
            INSERT INTO objects(vault_id, kind, name, name_key, current_version, created, deleted_date, scheduled_purge, managed)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [o.vaultID, o.kind.rawValue, o.name, o.nameKey, o.currentVersion, o.created.timeIntervalSince1970,
                             o.deletedDate?.timeIntervalSince1970, o.scheduledPurgeDate?.timeIntervalSince1970, o.managed])
        return db.lastInsertedRowID
    }

    func updateObject(_ o: ObjectRecord) throws {
        try run("""
            UPDATE objects SET current_version = ?, deleted_date = ?, scheduled_purge = ?, managed = ? WHERE id = ?
            """, [o.currentVersion, o.deletedDate?.timeIntervalSince1970, o.scheduledPurgeDate?.timeIntervalSince1970,
                             o.managed, o.id])
    }

    func removeObject(id: Int64) throws {
        try run("DELETE FROM objects WHERE id = ?", [id])
    }

    func removeVersion(objectID: Int64, version: String) throws {
        try run("DELETE FROM versions WHERE object_id = ? AND version = ?", [objectID, version.lowercased()])
    }

    // MARK: certificate contacts and issuers

    func certificateSettings(vaultID: String, kind: String) throws -> [CertificateSettingRecord] {
        guard try db.tableExists(Schema.certificateSettingsTable) else { return [] }
        return try rows("SELECT * FROM certificate_settings WHERE vault_id = ? AND kind = ? ORDER BY name_key", [vaultID, kind]).map { row in
            let r = StoredRow(row, "certificate setting")
            return CertificateSettingRecord(vaultID: try r("vault_id"), kind: try r("kind"), name: try r("name"), body: try r("body"),
                                            created: try r.date("created"), updated: try r.date("updated"))
        }
    }

    func putCertificateSetting(_ s: CertificateSettingRecord) throws {
        try db.execute(Schema.certificateSettings)
        try run("""
            INSERT INTO certificate_settings(vault_id, kind, name, name_key, body, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(vault_id, kind, name_key) DO UPDATE SET name = excluded.name, body = excluded.body, updated = excluded.updated
            """, [s.vaultID, s.kind, s.name, s.nameKey, s.body, s.created.timeIntervalSince1970, s.updated.timeIntervalSince1970])
    }

    func rotationPolicy(objectID: Int64) throws -> RotationPolicyRecord? {
        guard try db.tableExists(Schema.keyRotationPoliciesTable) else { return nil }
        return try row("SELECT * FROM key_rotation_policies WHERE object_id = ?", [objectID]).map(Self.rotationPolicy)
    }

    func rotationPolicies() throws -> [RotationPolicyRecord] {
        guard try db.tableExists(Schema.keyRotationPoliciesTable) else { return [] }
        return try rows("SELECT * FROM key_rotation_policies ORDER BY object_id").map(Self.rotationPolicy)
    }

    func putRotationPolicy(_ p: RotationPolicyRecord) throws {
        try db.execute(Schema.keyRotationPolicies)
        try run("""
            INSERT INTO key_rotation_policies(object_id, body, notified_version, created, updated) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(object_id) DO UPDATE SET body = excluded.body, notified_version = excluded.notified_version, updated = excluded.updated
            """, [p.objectID, p.body, p.notifiedVersion, p.created.timeIntervalSince1970, p.updated.timeIntervalSince1970])
    }

    private static func rotationPolicy(_ row: SQLiteRow) throws -> RotationPolicyRecord {
        let r = StoredRow(row, "key rotation policy")
        return RotationPolicyRecord(objectID: try r("object_id"), body: try r("body"), notifiedVersion: try r.optional("notified_version"),
                                    created: try r.date("created"), updated: try r.date("updated"))
    }

    func removeCertificateSetting(vaultID: String, kind: String, nameKey: String) throws {
        guard try db.tableExists(Schema.certificateSettingsTable) else { return }
        try run("DELETE FROM certificate_settings WHERE vault_id = ? AND kind = ? AND name_key = ?", [vaultID, kind, nameKey])
    }

    private static func object(_ row: SQLiteRow) throws -> ObjectRecord {
        let r = StoredRow(row, "object")
        let name: String = try r("name")
        guard let kind = ObjectKind(rawValue: try r("kind")) else {
            throw VaultError(.corrupted, "Object '\(Names.printable(name))' has an unknown kind in the store.")
        }
        return ObjectRecord(id: try r("id"), vaultID: try r("vault_id"), kind: kind, name: name,
                            currentVersion: try r("current_version"), created: try r.date("created"),
                            deletedDate: try r.optionalDate("deleted_date"), scheduledPurgeDate: try r.optionalDate("scheduled_purge"),
                            managed: try r("managed"))
    }

    func versions(objectID: Int64) throws -> [VersionRecord] {
        try rows("SELECT * FROM versions WHERE object_id = ? ORDER BY seq", [objectID]).map(Self.version)
    }

    func version(objectID: Int64, version: String) throws -> VersionRecord? {
        try row("SELECT * FROM versions WHERE object_id = ? AND version = ?", [objectID, version.lowercased()]).map(Self.version)
    }

    func insertVersion(_ v: VersionRecord) throws {
        try run("""
            INSERT INTO versions(object_id, version, created, updated, enabled, not_before, expires, content_type, tags,
                                 sealed_value, value_length, details)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [v.objectID, v.version, v.created.timeIntervalSince1970, v.updated.timeIntervalSince1970,
                             v.enabled, v.notBefore?.timeIntervalSince1970, v.expires?.timeIntervalSince1970, v.contentType,
                             try Self.encodeTags(v.tags), v.sealedValue.map { Data($0) }, v.valueLength, v.details])
    }

    func updateVersion(_ v: VersionRecord) throws {
        try run("""
            UPDATE versions SET updated = ?, enabled = ?, not_before = ?, expires = ?, content_type = ?, tags = ?, details = ?
            WHERE object_id = ? AND version = ?
            """, [v.updated.timeIntervalSince1970, v.enabled, v.notBefore?.timeIntervalSince1970,
                             v.expires?.timeIntervalSince1970, v.contentType, try Self.encodeTags(v.tags), v.details,
                             v.objectID, v.version])
    }

    private static func version(_ row: SQLiteRow) throws -> VersionRecord {
        let r = StoredRow(row, "version")
        let objectID: Int64 = try r("object_id")
        let tagsText: String = try r("tags")
        guard let tags = tagsText == "{}" ? [:] : try? JSONDecoder().decode([String: String].self, from: Data(tagsText.utf8)) else {
            throw VaultError(.corrupted, "A version of object \(objectID) has unreadable tags in the store.")
        }
        let valueLength: Int = try r("value_length")
        guard (0...ObjectLimits.maxSecretValueBytes * 64).contains(valueLength) else {
            throw VaultError(.corrupted, "A version of object \(objectID) records an impossible value length in the store.")
        }
        return VersionRecord(objectID: objectID, version: try r("version"), created: try r.date("created"),
                             updated: try r.date("updated"), enabled: try r("enabled"), notBefore: try r.optionalDate("not_before"),
                             expires: try r.optionalDate("expires"), contentType: try r.optional("content_type"), tags: tags,
                             sealedValue: (try r.optional("sealed_value") as Data?).map { [UInt8]($0) },
                             valueLength: valueLength, details: try r.optional("details"))
    }

    private static func encodeTags(_ tags: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(tags), as: UTF8.self)
    }

    // MARK: audit

    func lastAudit() throws -> AuditRow? {
        try row("SELECT seq, line, mac FROM audit ORDER BY seq DESC LIMIT 1").map {
            try Self.auditRow($0)
        }
    }

    func appendAudit(_ row: AuditRow) throws {
        try run("INSERT INTO audit(seq, line, mac) VALUES (?, ?, ?)", [row.seq, row.line, row.mac])
    }

    func auditRows(afterSeq: Int64, limit: Int) throws -> [AuditRow] {
        try rows("SELECT seq, line, mac FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", [afterSeq, limit]).map(Self.auditRow)
    }

    func removeAudit(throughSeq: Int64) throws {
        try run("DELETE FROM audit WHERE seq <= ?", [throughSeq])
    }

    private static func auditRow(_ row: SQLiteRow) throws -> AuditRow {
        let r = StoredRow(row, "audit line")
        return AuditRow(seq: try r("seq"), line: try r("line"), mac: try r("mac"))
    }
}

/// One row read defensively: a missing, NULL or mistyped column, or a date outside years 0001–9999, is
/// `.corrupted` (EIO through a mount, a log line from the engine), never a crash.
struct StoredRow {
    let row: SQLiteRow
    let what: String

    init(_ row: SQLiteRow, _ what: String) {
        self.row = row
        self.what = what
    }

    func callAsFunction<T: SQLiteColumnDecodable>(_ column: String) throws -> T {
        guard let stored = row[column], let value = T(sqliteValue: stored) else {
            throw VaultError(.corrupted, "A \(what) row's '\(column)' is missing or unreadable in the store.")
        }
        return value
    }

    func optional<T: SQLiteColumnDecodable>(_ column: String) throws -> T? {
        guard let stored = row[column] else {
            throw VaultError(.corrupted, "A \(what) row's '\(column)' is unreadable in the store.")
        }
        if stored == .null { return nil }
        guard let value = T(sqliteValue: stored) else {
            throw VaultError(.corrupted, "A \(what) row's '\(column)' is unreadable in the store.")
        }
        return value
    }

    func date(_ column: String) throws -> Date {
        guard let date = try optionalDate(column) else {
            throw VaultError(.corrupted, "A \(what) row's '\(column)' is missing in the store.")
        }
        return date
    }

    func optionalDate(_ column: String) throws -> Date? {
        guard let seconds: Double = try optional(column) else { return nil }
        guard seconds.isFinite, AttributeRules.dateRange.contains(seconds) else {
            throw VaultError(.corrupted, "A \(what) row's '\(column)' is out of range in the store.")
        }
        return Date(timeIntervalSince1970: seconds)
    }
}
