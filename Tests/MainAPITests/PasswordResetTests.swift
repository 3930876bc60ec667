import Foundation
import OpsideCore
import OpsideMail
import OpsideTesting
import Testing

/// E-mail through real SMTP (deploy/mail-sink.py, one per test) and the password reset it carries:
/// a single-use link that expires, the same answer for an unknown address, and every sign-in
/// ended when the password changes.
@Suite struct PasswordResetTests {
    @Test func theSMTPClientDeliversUTF8TextWithItsEnvelopeAndRefusesAddressesThatWouldInjectCommands() async throws {
        let sink = try await MailSink.start()
        defer { sink.stop() }
        let client = SMTPClient(settings: SMTPSettings(host: "127.0.0.1", port: sink.port))
        let text = "Grüße — line one\nline two\n.a line starting with a dot\n" + String(repeating: "long ", count: 40)
        try await client.send(MailMessage(from: "no-reply@opside.test", fromName: "Opside Ü", to: "seller@shop.test",
                                          subject: "Ihre Erstattung: 12,50 €", text: text))
        let kept = try await sink.waitForMessages(1)
        let message = try #require(kept.first)
        #expect(message.envelopeFrom == "no-reply@opside.test" && message.envelopeTo == "seller@shop.test")
        #expect(message.subject == "=?UTF-8?B?" + Data("Ihre Erstattung: 12,50 €".utf8).base64EncodedString() + "?=")
        #expect(message.headers["from"]?.hasSuffix("<no-reply@opside.test>") == true && message.headers["message-id"] != nil)
        #expect(message.text == text.replacingOccurrences(of: "\r\n", with: "\n"), "the body arrives byte for byte")

        for bad in ["seller@shop.test>\r\nRCPT TO:<victim@else.test", "no-at-sign", "a b@c.test"] {
            await #expect(throws: SMTPError.badAddress(bad)) {
                try await client.send(MailMessage(from: "no-reply@opside.test", to: bad, subject: "x", text: "x"))
            }
        }
        // Nothing listening: an error the mail job retries, not a crash or a hang.
        sink.stop()
        await #expect(throws: (any Error).self) {
            try await client.send(MailMessage(from: "no-reply@opside.test", to: "seller@shop.test", subject: "x", text: "x"))
        }
    }

    @Test func aResetLinkWorksOnceBeforeItExpiresAndEndsEverySignIn() async throws {
        let clock = ManualWallClock(Date())
        let sink = try await MailSink.start()
        defer { sink.stop() }
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: sink.overrides.merging([
            "dashboard.publicUrl": "https://app.opside.test/", "security.passwordResetLinkSeconds": "1800"]) { $1 },
            clocks: ServiceClocks(wall: clock))
        defer { Task { await mainAPI.stop() } }
        let (oldSession, _) = try await TestSignUp.signUp(mainAPI, email: "owner@shop.test")
        let resetURL = mainAPI.baseURL + "/api/v1/auth/password-reset"

        // An unknown address gets the same answer and no mail.
        let unknown = try await TestHTTP.request(.POST, resetURL, json: #"{"email":"nobody@shop.test"}"#)
        let known = try await TestHTTP.request(.POST, resetURL, json: #"{"email":"Owner@Shop.test"}"#)
        #expect(unknown.status == 202 && known.status == 202)
        #expect(try unknown.json()["message"] as? String == (try known.json()["message"] as? String))
        let mail = try await sink.waitForMessages(1)
        #expect(mail.count == 1, "one message, for the known address only")
        let message = try #require(mail.first)
        #expect(message.envelopeTo == "owner@shop.test" && message.subject == "Reset your Opside password")
        #expect(message.text.contains("within 30 minutes"))
        let link = try #require(message.firstLink)
        #expect(link.hasPrefix("https://app.opside.test/reset-password?token="), "\(link)")
        let token = String(link.split(separator: "=", maxSplits: 1)[1])
        let confirmURL = resetURL + "/confirm"

        // A weak password is refused and leaves the link usable.
        let weak = try await TestHTTP.request(.POST, confirmURL, json: #"{"token":"\#(token)","password":"short"}"#)
        #expect(weak.status == 422)
        let done = try await TestHTTP.request(.POST, confirmURL, json: #"{"token":"\#(token)","password":"New-Battery-Staple-7"}"#)
        #expect(done.status == 204, "\(done.text)")
        let again = try await TestHTTP.request(.POST, confirmURL, json: #"{"token":"\#(token)","password":"Another-Battery-8"}"#)
        #expect(again.status == 400, "a link works once")
        #expect(try again.envelope().error.code == "reset_link_invalid")

        // The new password signs in, the old one does not, and the sign-in made before is over.
        #expect(try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/me", headers: ["authorization": "Bearer \(oldSession)"]).status == 401)
        let old = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/login",
                                             json: #"{"email":"owner@shop.test","password":"Correct-Horse-42"}"#)
        #expect(old.status == 401)
        _ = try await TestSignUp.logIn(mainAPI, email: "owner@shop.test", password: "New-Battery-Staple-7")

        // A second link, unused for 30 minutes, has expired.
        _ = try await TestHTTP.request(.POST, resetURL, json: #"{"email":"owner@shop.test"}"#)
        let second = try #require(try await sink.waitForMessages(2).last?.firstLink)
        clock.advance(by: 1801)
        let late = try await TestHTTP.request(.POST, confirmURL,
                                              json: #"{"token":"\#(second.split(separator: "=", maxSplits: 1)[1])","password":"Late-Battery-Staple-9"}"#)
        #expect(late.status == 400)
        #expect(try late.envelope().error.code == "reset_link_invalid")
        await mainAPI.stop()
    }
}
