import Foundation
import Testing

/// Signing a seller up through main-api, as every cross-service test begins.
public enum TestSignUp {
    /// A sign-up request's JSON body.
    public static func signUpBody(email: String, password: String = "Correct-Horse-42", company: String = "Acme Goods") -> String {
        #"{"email":"\#(email)","password":"\#(password)","companyName":"\#(company)"}"#
    }

    /// Signs a new seller up through main-api's public API.
    /// - Returns: the session token and the new tenant's id.
    public static func signUp(_ mainAPI: RunningService, email: String) async throws -> (token: String, tenant: String) {
        let reply = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/signup", json: signUpBody(email: email))
        #expect(reply.status == 201, "sign-up answered \(reply.status): \(reply.text)")
        let json = try reply.json()
        return (try (json["token"] as? String).unwrap("token"), try (json["tenantId"] as? String).unwrap("tenantId"))
    }

    /// Signs in again as `email` (the password `signUpBody` uses): a new sign-in of its own.
    /// - Returns: its bearer token.
    public static func logIn(_ mainAPI: RunningService, email: String, password: String = "Correct-Horse-42") async throws -> String {
        let reply = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/login",
                                               json: #"{"email":"\#(email)","password":"\#(password)"}"#)
        #expect(reply.status == 200, "login answered \(reply.status): \(reply.text)")
        return try (try reply.json()["token"] as? String).unwrap("token")
    }
}
