import Foundation
import VaultEngine

/// Every result the CLI prints, in the shape `az keyvault` prints for the same command (docs/cli.md, "Output
/// shapes"): ISO 8601 dates, `attributes{created,enabled,expires,notBefore,recoverableDays,recoveryLevel,updated}`
/// with nulls for what is unset, ids as Azure's URLs, and one shape per kind of thing — the same fields in
/// `show` and in `list` (a listing's ids carry no version, as Azure's list items).
enum Shapes {
    // MARK: what every object family shares

    static func attributes(_ p: VersionProperties) -> JSONValue {
        .object([
            "created": .date(p.created), "enabled": .bool(p.enabled), "expires": .date(p.expires),
            "notBefore": .date(p.notBefore), "recoverableDays": .int(p.recoverableDays),
            "recoveryLevel": .string(p.recoveryLevel), "updated": .date(p.updated),
        ])
    }

    static func managed(_ p: VersionProperties) -> JSONValue { p.managed ? .bool(true) : .null }

    /// A soft-deleted object: its listing shape plus `deletedDate`, `recoveryId` and `scheduledPurgeDate`, flat
    /// (as Azure's DeletedSecretItem, DeletedKeyItem, DeletedCertificateItem), for delete, show-deleted and
    /// list-deleted alike.
    static func deleted(_ d: DeletedObject) -> JSONValue {
        let item: JSONValue
        switch d.kind {
        case .secret: item = secretItem(d.properties)
        case .key: item = keyItem(d.properties)
        case .certificate: item = certificateItem(d.properties)
        }
        return item.merging([
            "deletedDate": .date(d.deletedDate), "recoveryId": .string(d.recoveryID),
            "scheduledPurgeDate": .date(d.scheduledPurgeDate),
        ])
    }

    /// The listing shape of any kind's properties.
    static func item(_ p: VersionProperties, kind: ObjectKind, withVersion: Bool = false) -> JSONValue {
        switch kind {
        case .secret: secretItem(p, withVersion: withVersion)
        case .key: keyItem(p, withVersion: withVersion)
        case .certificate: certificateItem(p, withVersion: withVersion)
        }
    }

    // MARK: secrets

    /// `az keyvault secret show|set|update|recover`: SecretBundle, with `value` only when the value is shown.
    static func secret(_ p: VersionProperties, value: String? = nil) -> JSONValue {
        var fields: [String: JSONValue] = [
            "attributes": attributes(p), "contentType": .string(p.contentType), "id": .string(p.id.description),
            "kid": p.managed ? .string(p.id.description.replacingOccurrences(of: "/secrets/", with: "/keys/")) : .null,
            "managed": managed(p), "name": .string(p.name), "tags": .tags(p.tags),
        ]
        if let value { fields["value"] = .string(value) }
        return .object(fields)
    }

    /// `az keyvault secret list|list-versions`: SecretItem.
    static func secretItem(_ p: VersionProperties, withVersion: Bool = false) -> JSONValue {
        .object([
            "attributes": attributes(p), "contentType": .string(p.contentType),
            "id": .string((withVersion ? p.id : p.id.unversioned).description), "managed": managed(p),
            "name": .string(p.name), "tags": .tags(p.tags),
        ])
    }

    // MARK: keys

    /// `az keyvault key show|create|import|update|rotate|recover`: KeyBundle (the public JWK; never private parts).
    /// Its attributes add az's `exportable`; `releasePolicy` is az's `{contentType, encodedPolicy (base64url),
    /// immutable}` or null.
    static func key(_ bundle: KeyBundle) throws -> JSONValue {
        let p = bundle.properties
        return .object([
            "attributes": attributes(p).merging(["exportable": .bool(bundle.exportable)]), "key": try JSONValue(encoding: bundle.key),
            "managed": managed(p), "name": .string(p.name), "releasePolicy": bundle.releasePolicy.map(releasePolicy) ?? .null,
            "tags": .tags(p.tags),
        ])
    }

    /// A key's release policy as az prints it.
    static func releasePolicy(_ policy: KeyReleasePolicy) -> JSONValue {
        .object(["contentType": .string(policy.contentType), "encodedPolicy": .string(Base64URL.encode(policy.data)),
                 "immutable": .bool(policy.immutable)])
    }

    /// `az keyvault key list|list-versions`: KeyItem.
    static func keyItem(_ p: VersionProperties, withVersion: Bool = false) -> JSONValue {
        .object([
            "attributes": attributes(p), "kid": .string((withVersion ? p.id : p.id.unversioned).description),
            "managed": managed(p), "name": .string(p.name), "tags": .tags(p.tags),
        ])
    }

    // MARK: certificates

    /// `az keyvault certificate show|import|update|merge`: CertificateBundle, with the same attributes as a
    /// listing (ISO dates, `notBefore`/`expires` from the X.509).
    static func certificate(_ bundle: CertificateBundle) throws -> JSONValue {
        let p = bundle.properties
        let completed = bundle.isCompleted
        let thumbprint = completed ? Data(base64URL: bundle.x5t) : nil
        return .object([
            "attributes": attributes(p), "cer": completed ? .string(Data(bundle.cer).base64EncodedString()) : .null,
            "contentType": .string(p.contentType ?? bundle.policy.secretProperties.contentType),
            "id": .string(bundle.id), "kid": .string(bundle.kid), "name": .string(p.name),
            "policy": try JSONValue(encoding: bundle.policy), "sid": .string(bundle.sid), "tags": .tags(p.tags),
            "x509Thumbprint": completed ? .string(bundle.x5t) : .null,
            "x509ThumbprintHex": .string(thumbprint.map { $0.map { String(format: "%02X", $0) }.joined() }),
            "pending": completed ? .null : .object(["id": .string(bundle.id.components(separatedBy: "/").dropLast().joined(separator: "/") + "/pending")]),
        ])
    }

    /// `az keyvault certificate list|list-versions`: CertificateItem.
    static func certificateItem(_ p: VersionProperties, withVersion: Bool = false) -> JSONValue {
        .object([
            "attributes": attributes(p), "id": .string((withVersion ? p.id : p.id.unversioned).description),
            "name": .string(p.name), "tags": .tags(p.tags),
        ])
    }

    /// `az keyvault certificate create` and `certificate pending show|delete`: CertificateOperation, camelCase.
    static func operation(_ op: CertificateOperation) -> JSONValue {
        .object([
            "cancellationRequested": .bool(op.cancellationRequested), "csr": .string(op.csr), "error": .null,
            "id": .string(op.id),
            "issuerParameters": (try? JSONValue(encoding: op.issuerParameters)) ?? .null,
            "requestId": .string(op.requestId), "status": .string(op.status), "statusDetails": .string(op.statusDetails),
            "target": .string(op.target),
        ])
    }

    // MARK: management plane

    /// `az keyvault show|create|update|delete|recover`: the vault resource. `id` is the vault's RBAC scope.
    static func vault(_ p: VaultProperties, dnsSuffix: String) -> JSONValue {
        .object([
            "id": .string("/vaults/\(p.name)"), "name": .string(p.name), "type": .string("Microsoft.KeyVault/vaults"),
            "properties": .object([
                "sku": .object(["family": .string("A"), "name": .string(p.sku.rawValue)]),
                "enableSoftDelete": .bool(true), "softDeleteRetentionInDays": .int(p.retentionDays),
                "enablePurgeProtection": p.purgeProtection ? .bool(true) : .null, "enableRbacAuthorization": .bool(true),
                "vaultUri": .string(VaultObjectID.vaultURL(p.name, dnsSuffix: dnsSuffix) + "/"),
                "createdAt": .date(p.created), "updatedAt": .date(p.updated),
                "deletionDate": .date(p.deletedDate), "scheduledPurgeDate": .date(p.scheduledPurgeDate),
            ]),
        ])
    }

    /// `az role assignment create|list`.
    static func assignment(_ a: RoleAssignment) -> JSONValue {
        .object([
            "id": .string(a.id), "name": .string(a.id), "principalName": .string(a.principal),
            "roleDefinitionName": .string(a.role.name), "roleDefinitionId": .string(a.role.id),
            "scope": .string(a.scope.description), "createdOn": .date(a.created),
            "type": .string("Microsoft.Authorization/roleAssignments"),
        ])
    }

    static func principal(_ p: Principal) -> JSONValue {
        .object([
            "name": .string(p.name), "type": .string(p.kind.rawValue),
            "uid": p.kind == .user ? .int(Int(p.unixID)) : .null, "gid": p.kind == .group ? .int(Int(p.unixID)) : .null,
            "created": .date(p.created),
        ])
    }

    static func role(_ role: BuiltInRole) -> JSONValue {
        .object([
            "roleName": .string(role.name), "id": .string(role.id), "description": .string(role.summary),
            "dataActions": .array(role.dataActions.map { .string($0) }),
            "canManageRoleAssignments": role.managesAssignments ? .bool(true) : .null,
        ])
    }

    /// `az keyvault key sign|verify|encrypt|decrypt|wrap-key|unwrap-key` (with `-o`): KeyOperationResult, the
    /// bytes base64url as Azure returns them.
    static func keyOperation(_ result: KeyOperationResult, algorithm: String) throws -> JSONValue {
        try JSONValue(encoding: result).merging(["algorithm": .string(algorithm)])
    }
}

extension Data {
    /// Decodes base64url without padding (as Azure's JSON carries bytes).
    init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }
}

// MARK: certificate contacts and issuers

extension Shapes {
    /// `az keyvault certificate contact list|add|delete`: the vault's contacts, `[{email, name, phone}]`.
    static func contacts(_ c: CertificateContacts) -> JSONValue {
        .array(c.contacts.map { .object(["email": .string($0.email), "name": .string($0.name), "phone": .string($0.phone)]) })
    }

    /// `az keyvault certificate issuer show|create|delete`: IssuerBundle (`credentials` always null: the
    /// providers kvfs keeps take none).
    static func issuer(_ i: CertificateIssuer) -> JSONValue {
        .object([
            "attributes": .object(["created": .date(i.created), "enabled": .bool(i.enabled), "updated": .date(i.updated)]),
            "credentials": .null, "id": .string(i.id), "name": .string(i.name),
            "organizationDetails": i.organizationID.map { .object(["adminDetails": .array([]), "id": .string($0)]) } ?? .null,
            "provider": .string(i.provider),
        ])
    }

    /// `az keyvault certificate issuer list`: CertificateIssuerItem.
    static func issuerItem(_ i: CertificateIssuer) -> JSONValue {
        .object(["id": .string(i.id), "name": .string(i.name), "provider": .string(i.provider)])
    }
}

// MARK: key rotation policies

extension Shapes {
    /// `az keyvault key rotation-policy show|update`: `{attributes{created, expiryTime, updated}, id,
    /// lifetimeActions[{action, timeAfterCreate, timeBeforeExpiry}]}`.
    static func rotationPolicy(_ b: KeyRotationPolicyBundle) -> JSONValue {
        .object([
            "attributes": .object(["created": .date(b.created), "expiryTime": .string(b.policy.attributes.expiryTime), "updated": .date(b.updated)]),
            "id": .string(b.id),
            "lifetimeActions": .array(b.policy.lifetimeActions.map {
                .object(["action": .string($0.action.type), "timeAfterCreate": .string($0.trigger.timeAfterCreate),
                         "timeBeforeExpiry": .string($0.trigger.timeBeforeExpiry)])
            }),
        ])
    }
}
