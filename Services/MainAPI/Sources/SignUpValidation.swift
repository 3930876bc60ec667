import Crypto
import Foundation
import OpsideCore
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
        // bcrypt reads a password as a C string: everything after a NUL would be ignored, and
        // "x\0Zyxwvuts123!" would be the password "x".
        guard !hasControlCharacters(password) else { return "password must not contain control characters" }
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

    static func validateDisplayName(_ name: String) -> String? {
        guard name.count <= 200 else { return "displayName must be at most 200 characters" }
        guard !hasControlCharacters(name) else { return "displayName must not contain control characters" }
        return nil
    }

    /// C0 and C1 control characters, DEL, and the line and paragraph separators: nothing a
    /// name or a password has a use for.
    static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
        }
    }

    /// The key an account's sign-in attempts are counted under: a hash of the normalised email,
    /// so Redis never holds the address itself.
    static func accountKey(email: String) -> String {
        let normalised = email.trimmingCharacters(in: .whitespaces).lowercased()
        let hex = HexDigits.lowercase
        let digits = SHA256.hash(data: Data(normalised.utf8)).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0x0F)]] }
        return String(decoding: digits, as: UTF8.self)
    }

    static func validateCompanyName(_ name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(trimmed.count) else { return "companyName must be 1 to 200 characters" }
        guard !hasControlCharacters(trimmed) else {
            return "companyName must not contain control characters"
        }
        return nil
    }
}
