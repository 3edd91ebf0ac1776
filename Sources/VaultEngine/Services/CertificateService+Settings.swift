import Foundation

/// A vault's certificate contacts and issuers (Azure's `/certificates/contacts` and `/certificates/issuers`).
extension CertificateService {
    private typealias Rules = CertificateSettingsRules

    // MARK: contacts

    /// The vault's certificate contacts (an empty list when none are set). Needs `certificatecontacts/write`,
    /// as Azure's managecontacts.
    /// - Throws: `.vaultNotFound`, `.accessDenied`.
    public func contacts(vault: String, as caller: Caller) throws -> CertificateContacts {
        try context.run(.certificateContactsGet, caller, vault: vault) { step in
            try storedContacts(step)
        }
    }

    /// Replaces the vault's contacts (Azure's SetCertificateContacts); an empty list removes them. Needs
    /// `certificatecontacts/write`.
    /// - Throws: `.invalidArgument`, `.vaultNotFound`, `.accessDenied`.
    @discardableResult
    public func setContacts(vault: String, _ contacts: [CertificateContact], as caller: Caller) throws -> CertificateContacts {
        try context.run(.certificateContactsSet, caller, vault: vault, checking: { try contacts.forEach(Rules.validate) }) { step in
            try store(contacts, step)
        }
    }

    /// Adds one contact, or replaces the one with the same e-mail address (az's `contact add`), in one
    /// transaction. Needs `certificatecontacts/write`.
    /// - Throws: `.invalidArgument`, `.vaultNotFound`, `.accessDenied`.
    @discardableResult
    public func addContact(vault: String, _ contact: CertificateContact, as caller: Caller) throws -> CertificateContacts {
        try context.run(.certificateContactsSet, caller, vault: vault, checking: { try Rules.validate(contact) }) { step in
            var list = try storedContacts(step).contacts
            if let i = list.firstIndex(where: { $0.email.lowercased() == contact.email.lowercased() }) {
                list[i] = contact
            } else {
                list.append(contact)
            }
            return try store(list, step)
        }
    }

    /// Removes the contact with this e-mail address (az's `contact delete`). Needs `certificatecontacts/write`.
    /// - Throws: `.notFound` (no such contact), `.vaultNotFound`, `.accessDenied`.
    @discardableResult
    public func removeContact(vault: String, email: String, as caller: Caller) throws -> CertificateContacts {
        try context.run(.certificateContactsSet, caller, vault: vault) { step in
            let list = try storedContacts(step).contacts
            let kept = list.filter { $0.email.lowercased() != email.lowercased() }
            guard kept.count < list.count else {
                throw VaultError(.notFound, "Vault '\(step.vault.name)' has no certificate contact '\(email.prefix(254))'.")
            }
            return try store(kept, step)
        }
    }

    /// Removes all the vault's contacts (Azure's DeleteCertificateContacts) and answers with them. Needs
    /// `certificatecontacts/write`.
    /// - Throws: `.vaultNotFound`, `.accessDenied`.
    @discardableResult
    public func deleteContacts(vault: String, as caller: Caller) throws -> CertificateContacts {
        try context.run(.certificateContactsDelete, caller, vault: vault) { step in
            let removed = try storedContacts(step)
            try step.tx.removeCertificateSetting(vaultID: step.vault.id, kind: Rules.contactsKind, nameKey: Rules.contactsKind)
            return removed
        }
    }

    private func contactsID(_ vault: VaultRecord) -> String {
        VaultObjectID.certificateContacts(vault: vault.name, dnsSuffix: context.dnsSuffix).description
    }

    private func storedContacts(_ step: VaultStep) throws -> CertificateContacts {
        let rows = try step.tx.certificateSettings(vaultID: step.vault.id, kind: Rules.contactsKind)
        var list: [CertificateContact] = []
        if let row = rows.first {
            guard let decoded = try? JSONDecoder().decode([CertificateContact].self, from: Data(row.body.utf8)) else {
                throw VaultError(.corrupted, "Vault '\(step.vault.name)''s certificate contacts are unreadable; the store may be damaged.")
            }
            list = decoded
        }
        return CertificateContacts(id: contactsID(step.vault), contacts: list)
    }

    private func store(_ contacts: [CertificateContact], _ step: VaultStep) throws -> CertificateContacts {
        let now = context.clock.now()
        if contacts.isEmpty {
            try step.tx.removeCertificateSetting(vaultID: step.vault.id, kind: Rules.contactsKind, nameKey: Rules.contactsKind)
        } else {
            let body = String(decoding: try JSONEncoder().encode(contacts), as: UTF8.self)
            let created = try step.tx.certificateSettings(vaultID: step.vault.id, kind: Rules.contactsKind).first?.created ?? now
            try step.tx.putCertificateSetting(CertificateSettingRecord(vaultID: step.vault.id, kind: Rules.contactsKind, name: Rules.contactsKind,
                                                                       body: body, created: created, updated: now))
        }
        return CertificateContacts(id: contactsID(step.vault), contacts: contacts)
    }

    // MARK: issuers

    /// Creates or replaces the vault's issuer `name` (Azure's SetCertificateIssuer), of provider `Self` or
    /// `Unknown`. Needs `certificatecas/write`.
    /// - Throws: `.invalidArgument` (a bad name, a partner CA, credentials), `.vaultNotFound`, `.accessDenied`.
    @discardableResult
    public func setIssuer(vault: String, name: String, _ request: CertificateIssuerRequest, as caller: Caller) throws -> CertificateIssuer {
        var provider = ""
        return try context.run(.certificateIssuerSet, caller, vault: vault, checking: {
            try Rules.validateIssuerName(name)
            provider = try Rules.validate(request)
        }) { step in
            step.draft.object = name
            let now = context.clock.now()
            let existing = try issuerRow(name, step)
            let body = String(decoding: try JSONEncoder().encode(StoredIssuer(provider: provider, organizationID: request.organizationID,
                                                                             enabled: request.enabled)), as: UTF8.self)
            let row = CertificateSettingRecord(vaultID: step.vault.id, kind: Rules.issuerKind, name: existing?.name ?? name, body: body,
                                               created: existing?.created ?? now, updated: now)
            try step.tx.putCertificateSetting(row)
            return try issuer(row, step.vault)
        }
    }

    /// The vault's issuer `name`. Needs `certificatecas/read`.
    /// - Throws: `.notFound`, `.vaultNotFound`, `.accessDenied`.
    public func issuer(vault: String, name: String, as caller: Caller) throws -> CertificateIssuer {
        try context.run(.certificateIssuerGet, caller, vault: vault) { step in
            step.draft.object = name
            return try issuer(try existingIssuer(name, step), step.vault)
        }
    }

    /// The vault's issuers, by name. Needs `certificatecas/read`.
    /// - Throws: `.vaultNotFound`, `.accessDenied`.
    public func issuers(vault: String, as caller: Caller) throws -> [CertificateIssuer] {
        try context.run(.certificateIssuersList, caller, vault: vault) { step in
            try step.tx.certificateSettings(vaultID: step.vault.id, kind: Rules.issuerKind).map { try issuer($0, step.vault) }
        }
    }

    /// Removes the vault's issuer `name` and answers with it. Needs `certificatecas/delete`.
    /// - Throws: `.notFound`, `.vaultNotFound`, `.accessDenied`.
    @discardableResult
    public func deleteIssuer(vault: String, name: String, as caller: Caller) throws -> CertificateIssuer {
        try context.run(.certificateIssuerDelete, caller, vault: vault) { step in
            step.draft.object = name
            let row = try existingIssuer(name, step)
            try step.tx.removeCertificateSetting(vaultID: step.vault.id, kind: Rules.issuerKind, nameKey: row.nameKey)
            return try issuer(row, step.vault)
        }
    }

    private func issuerRow(_ name: String, _ step: VaultStep) throws -> CertificateSettingRecord? {
        try step.tx.certificateSettings(vaultID: step.vault.id, kind: Rules.issuerKind).first { $0.nameKey == Names.key(name) }
    }

    private func existingIssuer(_ name: String, _ step: VaultStep) throws -> CertificateSettingRecord {
        guard let row = try issuerRow(name, step) else {
            throw VaultError(.notFound, "Vault '\(step.vault.name)' has no certificate issuer '\(Names.printable(name))'.")
        }
        return row
    }

    private func issuer(_ row: CertificateSettingRecord, _ vault: VaultRecord) throws -> CertificateIssuer {
        guard let stored = try? JSONDecoder().decode(StoredIssuer.self, from: Data(row.body.utf8)) else {
            throw VaultError(.corrupted, "Certificate issuer '\(Names.printable(row.name))' of vault '\(vault.name)' is unreadable; the store may be damaged.")
        }
        return CertificateIssuer(id: VaultObjectID.certificateIssuer(vault: vault.name, name: row.name, dnsSuffix: context.dnsSuffix).description,
                                 name: row.name, provider: stored.provider, organizationID: stored.organizationID, enabled: stored.enabled,
                                 created: row.created, updated: row.updated)
    }
}
