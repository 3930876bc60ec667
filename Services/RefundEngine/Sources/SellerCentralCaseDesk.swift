import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpsideAmazonAccess
import OpsideCore

/// The Amazon sandbox's Seller Central case desk (`POST /cu/cases`, `GET /cu/cases`,
/// `POST /cu/cases/{id}/replies`), called with the seller's access token from the token vault,
/// as a browser session in Seller Central would act for the seller.
public struct SellerCentralCaseDesk: CaseDesk {
    let baseURL: String
    let httpClient: HTTPClient
    let tokens: any AmazonAccessTokenSource
    let timeout: Duration

    public init(baseURL: String, httpClient: HTTPClient, tokens: any AmazonAccessTokenSource, timeout: Duration = .seconds(15)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.httpClient = httpClient
        self.tokens = tokens
        self.timeout = timeout
    }

    struct Amount: Codable {
        var amount: String
        var currencyCode: String
    }

    struct NewCase: Encodable {
        var marketplaceId: String
        var issueType: String
        var subject: String
        var body: String
        var references: [String: String]
        var quantity: Int
        var amountClaimed: Amount
        var attachments: [String]
    }

    struct Reply: Encodable {
        var body: String
        var attachments: [String]
    }

    struct Decision: Decodable {
        var outcome: String
        var reason: String?
        var decidedDate: Date?
        var approvedAmount: Amount?
    }

    struct DeskCase: Decodable {
        var caseId: String
        var decision: Decision?
    }

    struct Created: Decodable {
        var caseId: String
    }

    struct Listing: Decodable {
        var cases: [DeskCase]
        var nextToken: String?
    }

    /// Amazon's error body.
    struct Errors: Decodable {
        struct Item: Decodable {
            var code: String
            var message: String?
        }
        var errors: [Item]
    }

    public func file(_ request: CaseFilingRequest, tenant: UUID, connection: UUID) async throws(CaseDeskError) -> String {
        let body = NewCase(marketplaceId: request.marketplaceId, issueType: request.issueType, subject: request.subject, body: request.body,
                           references: request.references, quantity: request.quantity,
                           amountClaimed: Amount(amount: request.amountClaimed.decimalString, currencyCode: request.amountClaimed.currency.code),
                           attachments: request.attachments)
        let reply = try await send(.POST, "/cu/cases", body: body, idempotencyKey: request.idempotencyKey, tenant: tenant, connection: connection)
        do {
            return try JSONDecoder().decode(Created.self, from: reply).caseId
        } catch {
            throw .transient("the desk answered a case this service cannot read: \(error)")
        }
    }

    public func answers(tenant: UUID, connection: UUID, createdAfter: Date) async throws(CaseDeskError) -> [CaseDeskAnswer] {
        var answers: [CaseDeskAnswer] = []
        var next: String?
        let after = ISO8601DateFormatter().string(from: createdAfter)
        repeat {
            var path = "/cu/cases?createdAfter=\(after)"
            if let next { path += "&nextToken=\(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? next)" }
            let bytes = try await send(.GET, path, body: nil as Reply?, idempotencyKey: nil, tenant: tenant, connection: connection)
            let listing: Listing
            do {
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                listing = try decoder.decode(Listing.self, from: bytes)
            } catch {
                throw .transient("the desk answered a case list this service cannot read: \(error)")
            }
            for item in listing.cases {
                var answer = CaseDeskAnswer(amazonCaseId: item.caseId)
                if let decision = item.decision {
                    answer.outcome = CaseDeskAnswer.Outcome(rawValue: decision.outcome)
                    answer.reason = decision.reason
                    answer.decidedAt = decision.decidedDate
                    if let amount = decision.approvedAmount {
                        answer.approvedAmount = try? Money(parsing: amount.amount, currencyCode: amount.currencyCode)
                    }
                }
                answers.append(answer)
            }
            next = listing.nextToken
        } while next != nil
        return answers
    }

    public func reply(amazonCaseId: String, body: String, attachments: [String], idempotencyKey: String, tenant: UUID,
                      connection: UUID) async throws(CaseDeskError) {
        let path = "/cu/cases/\(amazonCaseId.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? amazonCaseId)/replies"
        _ = try await send(.POST, path, body: Reply(body: body, attachments: attachments), idempotencyKey: idempotencyKey, tenant: tenant,
                           connection: connection)
    }

    /// One call with a fresh access token; a token Amazon refuses is handed back to the vault once.
    private func send<Body: Encodable>(_ method: HTTPMethod, _ path: String, body: Body?, idempotencyKey: String?, tenant: UUID,
                                       connection: UUID) async throws(CaseDeskError) -> Data {
        var rejected: String?
        for _ in 0..<2 {
            let access: AmazonAccess
            do {
                access = try await tokens.access(tenantID: tenant, connectionID: connection, rejectedAccessToken: rejected)
            } catch let error as AmazonAccessError {
                switch error {
                case .unavailable(let reason): throw .transient(reason)
                default: throw .noAccess(error.description)
                }
            } catch {
                throw .transient("\(error)")
            }
            var request = HTTPClientRequest(url: baseURL + path)
            request.method = method
            request.headers.add(name: "x-amz-access-token", value: access.accessToken)
            request.headers.add(name: "accept", value: "application/json")
            if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
            if let body {
                do {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    request.body = .bytes(ByteBuffer(data: try encoder.encode(body)))
                } catch {
                    throw .refused("the case could not be written as JSON: \(error)")
                }
                request.headers.add(name: "content-type", value: "application/json")
            }
            let status: Int
            let bytes: ByteBuffer
            do {
                let response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
                status = Int(response.status.code)
                bytes = try await response.body.collect(upTo: 4 << 20)
            } catch {
                throw .transient("\(method) \(path): \(error)")
            }
            let data = Data(buffer: bytes)
            switch status {
            case 200..<300:
                return data
            case 401, 403:
                rejected = access.accessToken
                continue
            case 429, 500..<600:
                throw .transient("\(method) \(path) answered \(status)")
            default:
                let errors = (try? JSONDecoder().decode(Errors.self, from: data))?.errors ?? []
                let words = errors.map { "\($0.code): \($0.message ?? "")" }.joined(separator: "; ")
                throw .refused("\(method) \(path) answered \(status)\(words.isEmpty ? "" : ": " + words)")
            }
        }
        throw .noAccess("Seller Central refused the seller's access token twice")
    }
}
