import Foundation

extension SecretService {
    /// A certificate's PKCS#12 secret in a decoded form (`SecretForm`): the current version, or `version`.
    /// Decided and audited as SecretGet — the same right, state rules and audit line as reading the value.
    /// - Throws: `.objectNotFound(.secret)` for a secret without forms (see `SecretFormRules`), and what
    ///   `get` throws (`.forbidden` when disabled, `.notFound`, `.accessDenied`, `.corrupted`).
    public func get(vault: String, name: String, version: String? = nil, form: SecretForm, as caller: Caller) throws -> Secret {
        try context.run(.secretGet, caller, vault: vault, name: name, version: version) { step in
            let properties = context.properties(step.object, step.record, vault: step.vault)
            try SecretFormRules.requireForms(properties, form)
            try ObjectStateRules.refuseDisabledSecret(step.record)
            let value = try context.openValue(of: step.object, step.record, in: step.vault)
            return Secret(properties: properties, value: try SecretFormRendering.render(value, as: form, name: properties.name))
        }
    }
}
