import Foundation
import OpsideTransport

/// The rules sign-up and login apply before touching the database; each failure names the
/// field and says what would pass.
enum SignUpValidation {
    static func validateEmail(_ email: String) -> String? {
        let trimmed = email.trimmingCharacters(in: .whitespaces)
        guard trimmed.count <= 254 else { return "email must be at most 254 characters" }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !trimmed.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," }) else {
            return "email must look like name@example.com"
        }
        return nil
    }

    /// NIST 800-63B style: length matters most; also refuse the obvious.
    static func validatePassword(_ password: String, email: String) -> String? {
        guard password.count >= 12 else { return "password must be at least 12 characters" }
        guard password.utf8.count <= 72 else { return "password must be at most 72 bytes (bcrypt reads no further)" }
        let classes = [
            password.contains(where: \.isLowercase), password.contains(where: \.isUppercase),
            password.contains(where: \.isNumber), password.contains(where: { !$0.isLetter && !$0.isNumber }),
        ].filter { $0 }.count
        guard classes >= 3 else {
            return "password must mix at least three of: lowercase, uppercase, digits, symbols"
        }
        let local = email.split(separator: "@").first.map { $0.lowercased() } ?? ""
        if local.count >= 4, password.lowercased().contains(local) { return "password must not contain your email name" }
        if Set(password).count < 5 { return "password repeats too few characters" }
        return nil
    }

    static func validateCompanyName(_ name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(trimmed.count) else { return "companyName must be 1 to 200 characters" }
        guard !trimmed.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 32 } ?? false }) else {
            return "companyName must not contain control characters"
        }
        return nil
    }
}
