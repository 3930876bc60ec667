import Foundation
import NIOHTTP1
import OpsideCore
import OpsideTesting
import Testing

/// Teams: invitations by e-mail (a new person, and a person with an account), the role matrix of
/// every team action, a tenant always keeping an owner, removed members losing their sign-ins,
/// and agency staff switching between the tenants that invited them and only those.
@Suite struct TeamTests {
    struct Person {
        let bearer: String
        let user: String
        let tenant: String
    }

    func post(_ mainAPI: RunningService, _ path: String, _ bearer: String?, json: String) async throws -> TestHTTP.Reply {
        try await TestHTTP.request(.POST, mainAPI.baseURL + path, json: json, headers: bearer.map { ["authorization": "Bearer \($0)"] } ?? [:])
    }

    func call(_ mainAPI: RunningService, _ method: HTTPMethod, _ path: String, _ bearer: String, json: String? = nil) async throws -> TestHTTP.Reply {
        try await TestHTTP.request(method, mainAPI.baseURL + path, json: json, headers: ["authorization": "Bearer \(bearer)"])
    }

    func person(_ reply: TestHTTP.Reply) throws -> Person {
        let body = try reply.json()
        return Person(bearer: try (body["token"] as? String).unwrap("token"), user: try (body["userId"] as? String).unwrap("userId"),
                      tenant: try (body["tenantId"] as? String).unwrap("tenantId"))
    }

    func signUp(_ mainAPI: RunningService, _ email: String, company: String = "Acme Goods") async throws -> Person {
        let reply = try await post(mainAPI, "/api/v1/auth/signup", nil, json: TestSignUp.signUpBody(email: email, company: company))
        #expect(reply.status == 201, "\(reply.text)")
        return try person(reply)
    }

    /// Invites `email` into the inviter's tenant and returns the token from the e-mail that arrives.
    func invite(_ mainAPI: RunningService, _ sink: MailSink, by inviter: Person, email: String, role: String) async throws -> String {
        let before = try sink.messages().count
        let invited = try await post(mainAPI, "/api/v1/team/invitations", inviter.bearer, json: #"{"email":"\#(email)","role":"\#(role)"}"#)
        #expect(invited.status == 201, "\(invited.text)")
        let mail = try #require(try await sink.waitForMessages(before + 1).last { $0.envelopeTo == email })
        let link = try #require(mail.firstLink)
        return try #require(URLComponents(string: link)?.queryItems?.first { $0.name == "token" }?.value)
    }

    func role(_ mainAPI: RunningService, _ viewer: Person, of user: String) async throws -> String? {
        let team = try await call(mainAPI, .GET, "/api/v1/team", viewer.bearer)
        let members = try (try team.json()["members"] as? [[String: Any]]).unwrap("members")
        return members.first { $0["userId"] as? String == user }?["role"] as? String
    }

    @Test func invitationsRolesAndTheMatrixOfWhoMayDoWhat() async throws {
        let sink = try await MailSink.start()
        defer { sink.stop() }
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: sink.overrides)
        defer { Task { await mainAPI.stop() } }
        let owner = try await signUp(mainAPI, "owner@shop.test", company: "Shop One")

        // A new person: the e-mail's link, a password, and they are signed in as a member.
        let memberToken = try await invite(mainAPI, sink, by: owner, email: "member@shop.test", role: "member")
        let joined = try await post(mainAPI, "/api/v1/auth/invitations/accept", nil,
                                    json: #"{"token":"\#(memberToken)","password":"Mia-Battery-Staple-1","displayName":"Mia"}"#)
        #expect(joined.status == 201, "\(joined.text)")
        let member = try person(joined)
        #expect(member.tenant == owner.tenant)
        let again = try await post(mainAPI, "/api/v1/auth/invitations/accept", nil, json: #"{"token":"\#(memberToken)","password":"Mia-Battery-Staple-1"}"#)
        #expect(again.status == 400, "a link works once")

        // A person with an account elsewhere accepts only while signed in as the invited address.
        let elsewhere = try await signUp(mainAPI, "admin@agency.test", company: "Agency")
        let adminToken = try await invite(mainAPI, sink, by: owner, email: "admin@agency.test", role: "admin")
        let anonymous = try await post(mainAPI, "/api/v1/auth/invitations/accept", nil, json: #"{"token":"\#(adminToken)","password":"Whatever-Staple-22"}"#)
        #expect(anonymous.status == 401)
        #expect(try anonymous.envelope().error.code == "sign_in_to_accept")
        let wrongPerson = try await post(mainAPI, "/api/v1/auth/invitations/accept", member.bearer, json: #"{"token":"\#(adminToken)"}"#)
        #expect(wrongPerson.status == 401, "a forwarded link cannot add another account")
        let accepted = try await post(mainAPI, "/api/v1/auth/invitations/accept", elsewhere.bearer, json: #"{"token":"\#(adminToken)"}"#)
        #expect(accepted.status == 200, "\(accepted.text)")
        #expect(try accepted.json()["role"] as? String == "admin")
        let switched = try await post(mainAPI, "/api/v1/auth/switch-tenant", elsewhere.bearer, json: #"{"tenantId":"\#(owner.tenant)"}"#)
        #expect(switched.status == 200, "\(switched.text)")
        let admin = try person(switched)

        // The matrix: each action by each role (read from the database, not the token).
        let outsiderToken = try await invite(mainAPI, sink, by: admin, email: "later@shop.test", role: "member")
        _ = outsiderToken
        #expect(try await post(mainAPI, "/api/v1/team/invitations", member.bearer, json: #"{"email":"x@shop.test","role":"member"}"#).status == 403)
        #expect(try await post(mainAPI, "/api/v1/team/invitations", owner.bearer, json: #"{"email":"x@shop.test","role":"owner"}"#).status == 422,
                "owners are promoted, never invited")
        #expect(try await post(mainAPI, "/api/v1/team/invitations", owner.bearer, json: #"{"email":"member@shop.test","role":"admin"}"#).status == 409)
        #expect(try await call(mainAPI, .PATCH, "/api/v1/team/members/\(member.user)", admin.bearer, json: #"{"role":"admin"}"#).status == 403,
                "only owners change roles")
        #expect(try await call(mainAPI, .DELETE, "/api/v1/team/members/\(owner.user)", admin.bearer).status == 403, "admins cannot remove owners")
        #expect(try await call(mainAPI, .DELETE, "/api/v1/team/members/\(admin.user)", member.bearer).status == 403)
        let team = try await call(mainAPI, .GET, "/api/v1/team", member.bearer)
        #expect(team.status == 200, "every member sees the team")
        #expect(try (team.json()["members"] as? [[String: Any]])?.count == 3)
        let invitations = try (try team.json()["invitations"] as? [[String: Any]]).unwrap("invitations")
        #expect(invitations.map { $0["email"] as? String } == ["later@shop.test"])
        let invitationID = try (invitations.first?["id"] as? String).unwrap("invitation id")
        #expect(try await call(mainAPI, .DELETE, "/api/v1/team/invitations/\(invitationID)", member.bearer).status == 403)
        #expect(try await call(mainAPI, .DELETE, "/api/v1/team/invitations/\(invitationID)", admin.bearer).status == 204)
        let revoked = try await post(mainAPI, "/api/v1/auth/invitations/accept", nil, json: #"{"token":"\#(outsiderToken)","password":"Later-Battery-Staple-5"}"#)
        #expect(revoked.status == 400, "a revoked invitation cannot be accepted")

        // Owners: promote, and never leave the tenant without one.
        let promoted = try await call(mainAPI, .PATCH, "/api/v1/team/members/\(member.user)", owner.bearer, json: #"{"role":"admin"}"#)
        #expect(promoted.status == 200, "\(promoted.text)")
        #expect(try await role(mainAPI, owner, of: member.user) == "admin")
        let lastOwner = try await call(mainAPI, .PATCH, "/api/v1/team/members/\(owner.user)", owner.bearer, json: #"{"role":"member"}"#)
        #expect(lastOwner.status == 409)
        #expect(try await call(mainAPI, .DELETE, "/api/v1/team/members/\(owner.user)", owner.bearer).status == 409, "the last owner cannot leave")
        #expect(try await role(mainAPI, owner, of: owner.user) == "owner")

        // A removed member's sign-in in this tenant ends at once; leaving is allowed to anyone.
        #expect(try await call(mainAPI, .DELETE, "/api/v1/team/members/\(member.user)", admin.bearer).status == 204)
        #expect(try await call(mainAPI, .GET, "/api/v1/me", member.bearer).status == 401)
        #expect(try await call(mainAPI, .DELETE, "/api/v1/team/members/\(admin.user)", admin.bearer).status == 204, "an admin leaves")
        #expect(try await role(mainAPI, owner, of: admin.user) == nil)
        await mainAPI.stop()
    }

    @Test func anAgencySwitchesBetweenTheTenantsThatInvitedItAndNoOther() async throws {
        let sink = try await MailSink.start()
        defer { sink.stop() }
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: sink.overrides)
        defer { Task { await mainAPI.stop() } }
        let agency = try await signUp(mainAPI, "staff@agency.test", company: "Recovery Agency")
        let sellerA = try await signUp(mainAPI, "a@seller.test", company: "Seller A")
        let sellerB = try await signUp(mainAPI, "b@seller.test", company: "Seller B")
        let sellerC = try await signUp(mainAPI, "c@seller.test", company: "Seller C")
        for (seller, role) in [(sellerA, "admin"), (sellerB, "member")] {
            let token = try await invite(mainAPI, sink, by: seller, email: "staff@agency.test", role: role)
            #expect(try await post(mainAPI, "/api/v1/auth/invitations/accept", agency.bearer, json: #"{"token":"\#(token)"}"#).status == 200)
        }

        let listed = try await call(mainAPI, .GET, "/api/v1/auth/tenants", agency.bearer)
        #expect(listed.status == 200)
        let tenants = try (try listed.json()["tenants"] as? [[String: Any]]).unwrap("tenants")
        #expect(tenants.map { $0["tenantName"] as? String } == ["Recovery Agency", "Seller A", "Seller B"], "only the tenants that invited it")
        #expect(tenants.map { $0["role"] as? String } == ["owner", "admin", "member"])

        // Into Seller B: the token says so, and /me answers for B.
        let intoB = try await post(mainAPI, "/api/v1/auth/switch-tenant", agency.bearer, json: #"{"tenantId":"\#(sellerB.tenant)"}"#)
        #expect(intoB.status == 200, "\(intoB.text)")
        let asB = try person(intoB)
        #expect(asB.tenant == sellerB.tenant)
        #expect(try intoB.json()["role"] as? String == "member")
        let me = try await call(mainAPI, .GET, "/api/v1/me", asB.bearer)
        #expect(try (me.json()["tenant"] as? [String: Any])?["tenantName"] as? String == "Seller B")
        // As a member of B it may not invite there.
        #expect(try await post(mainAPI, "/api/v1/team/invitations", asB.bearer, json: #"{"email":"x@seller.test","role":"member"}"#).status == 403)

        // Seller C never invited it: the same answer as a tenant that does not exist.
        let intoC = try await post(mainAPI, "/api/v1/auth/switch-tenant", asB.bearer, json: #"{"tenantId":"\#(sellerC.tenant)"}"#)
        let intoNowhere = try await post(mainAPI, "/api/v1/auth/switch-tenant", asB.bearer, json: #"{"tenantId":"\#(UUID().uuidString)"}"#)
        #expect(intoC.status == 404 && intoNowhere.status == 404)
        #expect(try intoC.envelope().error.message.hasPrefix("no tenant"))
        #expect(try intoNowhere.envelope().error.message.hasPrefix("no tenant"))

        // Removed by Seller B, it can no longer switch there (and its sign-in working in B ended).
        #expect(try await call(mainAPI, .DELETE, "/api/v1/team/members/\(agency.user)", sellerB.bearer).status == 204)
        #expect(try await call(mainAPI, .GET, "/api/v1/me", asB.bearer).status == 401)
        let fresh = try await TestSignUp.logIn(mainAPI, email: "staff@agency.test")
        #expect(try await post(mainAPI, "/api/v1/auth/switch-tenant", fresh, json: #"{"tenantId":"\#(sellerB.tenant)"}"#).status == 404)
        #expect(try await post(mainAPI, "/api/v1/auth/switch-tenant", fresh, json: #"{"tenantId":"\#(sellerA.tenant)"}"#).status == 200)
        await mainAPI.stop()
    }
}
