import Foundation
import OpsideStripe
import Testing

/// Stripe's form encoding, as stripe-python and stripe-go send it and the sandbox reads it.
@Suite struct StripeFormTests {
    @Test func nestedHashesAndIndexedListsDecode() throws {
        let values = try StripeForm.decode(
            "amount=2500&metadata%5Brecovery_id%5D=r-1&expand%5B0%5D=latest_charge&expand%5B1%5D=customer"
                + "&capabilities[transfers][requested]=true&description=Commission+on+case+C-1%26more")
        #expect(values["amount"] == .string("2500"))
        #expect(values["metadata"]?.hash?["recovery_id"] == .string("r-1"))
        #expect(values["expand"]?.list == [.string("latest_charge"), .string("customer")])
        #expect(values["capabilities"]?.hash?["transfers"]?.hash?["requested"] == .string("true"))
        #expect(values["description"] == .string("Commission on case C-1&more"))
    }

    @Test func rackStyleEmptyBracketsAppend() throws {
        let values = try StripeForm.decode("expand[]=a&expand[]=b&payment_method_types[]=card")
        #expect(values["expand"]?.list == [.string("a"), .string("b")])
        #expect(values["payment_method_types"]?.list == [.string("card")])
    }

    @Test func indexedListsComeBackInIndexOrder() throws {
        let values = try StripeForm.decode("items[10][price]=c&items[2][price]=b&items[0][price]=a")
        #expect(values["items"]?.list?.compactMap { $0.hash?["price"]?.string } == ["a", "b", "c"])
    }

    @Test func malformedAndConflictingKeysAreRefused() {
        #expect(throws: StripeFormError.malformedKey("metadata[a")) { try StripeForm.decode("metadata[a=1") }
        #expect(throws: StripeFormError.malformedKey("[a]")) { try StripeForm.decode("[a]=1") }
        #expect(throws: StripeFormError.conflictingKey("a[b]")) { try StripeForm.decode("a=1&a[b]=2") }
        #expect(throws: StripeFormError.conflictingKey("a[]")) { try StripeForm.decode("a[x]=1&a[]=2") }
    }

    @Test func whatWeEncodeDecodesToTheSameParameters() throws {
        let samples: [[String: StripeFormValue]] = [
            ["amount": .string("100"), "currency": .string("usd")],
            ["metadata": .hash(["tenant": .string("t 1"), "note": .string("a=b&c=d/é")]), "expand": .list([.string("customer")])],
            ["capabilities": .hash(["transfers": .hash(["requested": .string("true")])]), "email": .string("a+b@example.com")],
            ["items": .list([.hash(["price": .string("p1"), "quantity": .string("2")]), .hash(["price": .string("p2")])])],
        ]
        for sample in samples {
            let decoded = try StripeForm.decode(StripeForm.encode(sample))
            #expect(normalised(decoded) == normalised(sample), "\(StripeForm.encode(sample))")
        }
    }

    @Test func anEmptyHashClearsAsStripeExpects() {
        #expect(StripeForm.encode(["metadata": .hash([:])]) == "metadata=")
    }

    /// Lists decode as index-keyed hashes (the wire cannot tell them apart); compare as lists.
    private func normalised(_ values: [String: StripeFormValue]) -> String {
        func text(_ value: StripeFormValue) -> String {
            switch value {
            case .string(let string): return "\"\(string)\""
            case .list(let list): return "[" + list.map(text).joined(separator: ",") + "]"
            case .hash(let hash):
                if let list = value.list, !hash.isEmpty { return "[" + list.map(text).joined(separator: ",") + "]" }
                return "{" + hash.keys.sorted().map { "\($0):\(text(hash[$0]!))" }.joined(separator: ",") + "}"
            }
        }
        return text(.hash(values))
    }
}

/// Stripe's webhook signature (`queues-and-stripe.md` B.1), checked against a vector computed
/// independently (Python's hmac) and against every way a header can be wrong.
@Suite struct StripeWebhookSignatureTests {
    let payload = Data(#"{"id":"evt_1","object":"event"}"#.utf8)
    let secret = "whsec_test_secret"
    let signedAt = 1_700_000_000

    @Test func theSignatureIsHMACSHA256OverTimestampDotBody() {
        #expect(StripeWebhookSignature.signature(payload: payload, secret: secret, timestamp: signedAt)
            == "0c8670ed117751cc551a20e35839447075c42800ea3cf3e8a2fbda99cd1e6edd")
        #expect(StripeWebhookSignature.header(payload: payload, secrets: [secret], timestamp: signedAt)
            == "t=1700000000,v1=0c8670ed117751cc551a20e35839447075c42800ea3cf3e8a2fbda99cd1e6edd")
    }

    @Test func aFreshSignatureVerifies() throws {
        let header = StripeWebhookSignature.header(payload: payload, secrets: [secret], timestamp: signedAt)
        let now = Date(timeIntervalSince1970: Double(signedAt + 299))
        #expect(try StripeWebhookSignature.verify(payload: payload, header: header, secrets: [secret], now: now) == signedAt)
    }

    @Test func eitherSecretVerifiesWhileOneIsRolled() throws {
        let header = StripeWebhookSignature.header(payload: payload, secrets: ["whsec_old", "whsec_new"], timestamp: signedAt)
        let now = Date(timeIntervalSince1970: Double(signedAt))
        try StripeWebhookSignature.verify(payload: payload, header: header, secrets: ["whsec_new"], now: now)
        try StripeWebhookSignature.verify(payload: payload, header: header, secrets: ["whsec_other", "whsec_old"], now: now)
        #expect(throws: StripeWebhookSignatureError.noMatch) {
            try StripeWebhookSignature.verify(payload: payload, header: header, secrets: ["whsec_other"], now: now)
        }
    }

    @Test func aChangedBodyOrWrongSecretDoesNotVerify() {
        let header = StripeWebhookSignature.header(payload: payload, secrets: [secret], timestamp: signedAt)
        let now = Date(timeIntervalSince1970: Double(signedAt))
        #expect(throws: StripeWebhookSignatureError.noMatch) {
            try StripeWebhookSignature.verify(payload: Data(#"{"id":"evt_2","object":"event"}"#.utf8), header: header,
                                              secrets: [secret], now: now)
        }
        #expect(throws: StripeWebhookSignatureError.noMatch) {
            try StripeWebhookSignature.verify(payload: payload, header: header, secrets: ["whsec_wrong"], now: now)
        }
    }

    @Test func anOldTimestampIsRefusedAndAFutureOneIsNot() throws {
        let header = StripeWebhookSignature.header(payload: payload, secrets: [secret], timestamp: signedAt)
        #expect(throws: StripeWebhookSignatureError.timestampOutsideTolerance(signedAt)) {
            try StripeWebhookSignature.verify(payload: payload, header: header, secrets: [secret],
                                              now: Date(timeIntervalSince1970: Double(signedAt + 301)))
        }
        // stripe-go checks age only.
        try StripeWebhookSignature.verify(payload: payload, header: header, secrets: [secret],
                                          now: Date(timeIntervalSince1970: Double(signedAt - 3600)))
    }

    @Test func malformedHeadersAreRefusedAndUnknownSchemesIgnored() throws {
        let now = Date(timeIntervalSince1970: Double(signedAt))
        let good = StripeWebhookSignature.signature(payload: payload, secret: secret, timestamp: signedAt)
        #expect(throws: StripeWebhookSignatureError.missingHeader) {
            try StripeWebhookSignature.verify(payload: payload, header: nil, secrets: [secret], now: now)
        }
        #expect(throws: StripeWebhookSignatureError.malformedHeader) {
            try StripeWebhookSignature.verify(payload: payload, header: "t=\(signedAt),v1", secrets: [secret], now: now)
        }
        #expect(throws: StripeWebhookSignatureError.malformedHeader) {
            try StripeWebhookSignature.verify(payload: payload, header: "v1=\(good)", secrets: [secret], now: now)
        }
        #expect(throws: StripeWebhookSignatureError.noSignature) {
            try StripeWebhookSignature.verify(payload: payload, header: "t=\(signedAt),v0=\(good)", secrets: [secret], now: now)
        }
        // A v1 that is not hex is skipped, not fatal; v0 is ignored beside a good v1.
        try StripeWebhookSignature.verify(payload: payload, header: "t=\(signedAt),v1=zz,v0=abc,v1=\(good)", secrets: [secret], now: now)
    }
}
